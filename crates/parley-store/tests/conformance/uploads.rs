//! Bulk uploads: rows staged as received, queued chunk by chunk with their results, duplicates
//! skipped, the task finished with its last chunk.

use parley_domain::ErrorKind;
use parley_domain::campaign::{NewQueued, QueueState, UploadRow, UploadRowResult};
use parley_domain::ids::Ref;
use parley_domain::ports::{CampaignStore, DialogStore};
use serde_json::json;

use super::campaigns::{contact, running};
use super::fixtures::{assert_not_found, assert_v7, error_kind, tick};
use super::harness::Ctx;

fn row(n: u32, external_id: Option<&str>) -> UploadRow {
    UploadRow {
        phone: format!("+7 916 {n:07}"),
        entry: n.is_multiple_of(2).then(|| "main".to_owned()),
        variables: json!({"n": n, "имя": "Анна"}).as_object().cloned().unwrap(),
        external_id: external_id.map(str::to_owned),
    }
}

/// What the upload worker makes of a row (the store takes it as given).
fn item(n: u32, external_id: Option<&str>) -> NewQueued {
    contact(n, external_id)
}

pub async fn uploads_stage_rows_and_queue_chunks_with_results(t: Ctx) {
    let (agent, campaign) = running(&t, "Альфа", 5).await;
    let company = agent.company_id;
    t.store
        .enqueue(company, campaign.id, &item(99, Some("old")), t.now())
        .await
        .unwrap();
    let rows: Vec<UploadRow> = (0..7)
        .map(|n| match n {
            2 => row(n, Some("old")),
            3 => row(n, Some("twice")),
            5 => row(n, Some("twice")),
            _ => row(n, None),
        })
        .collect();
    let task = t
        .store
        .create_upload(company, campaign.id, &rows)
        .await
        .unwrap();
    assert_v7(task.uuid);
    assert_eq!((task.total, task.processed, task.rejected), (7, 0, 0));
    assert_eq!(
        (task.company_id, task.campaign_id, task.created_at),
        (company, campaign.id, t.now())
    );
    assert!(!task.is_finished());
    assert_eq!(t.store.upload(company, task.uuid).await.unwrap(), task);
    assert_eq!(
        t.store.unfinished_uploads().await.unwrap(),
        std::slice::from_ref(&task)
    );
    assert_eq!(t.store.upload_rows(&task, 0, 100).await.unwrap(), rows);
    assert_eq!(t.store.upload_rows(&task, 5, 100).await.unwrap(), rows[5..]);
    assert_eq!(t.store.upload_rows(&task, 2, 2).await.unwrap(), rows[2..4]);
    assert!(t.store.upload_rows(&task, 7, 100).await.unwrap().is_empty());

    // Chunk one: rows 0–3; row 1 rejected by the caller, row 2 a duplicate of a queued one.
    tick(&t, 1000);
    let items = vec![
        (0, item(0, None)),
        (2, item(2, Some("old"))),
        (3, item(3, Some("twice"))),
    ];
    let rejected = vec![UploadRowResult {
        row: 1,
        phone: rows[1].phone.clone(),
        dialog_uuid: None,
        message: "input variable `x` is required by the scenario".into(),
    }];
    let task = t
        .store
        .queue_upload_chunk(&task, &items, &rejected, 4, t.now())
        .await
        .unwrap();
    assert_eq!(
        (task.processed, task.rejected, task.finished_at),
        (4, 2, None)
    );
    let stale = t
        .store
        .queue_upload_chunk(&reload(&t, &task, 0), &items, &[], 4, t.now())
        .await;
    assert_eq!(
        error_kind(stale),
        ErrorKind::Conflict,
        "a chunk is queued once"
    );

    // Chunk two: rows 4–6; row 5 repeats a key of this upload.
    let items = vec![
        (4, item(4, None)),
        (5, item(5, Some("twice"))),
        (6, item(6, None)),
    ];
    let task = t
        .store
        .queue_upload_chunk(&task, &items, &[], 7, t.now())
        .await
        .unwrap();
    assert_eq!(
        (task.processed, task.rejected, task.finished_at),
        (7, 3, Some(t.now()))
    );
    assert!(t.store.unfinished_uploads().await.unwrap().is_empty());
    assert!(
        t.store.upload_rows(&task, 0, 100).await.unwrap().is_empty(),
        "a finished upload's staged rows are dropped; its results keep the numbers"
    );

    let results = t.store.upload_results(company, task.uuid).await.unwrap();
    assert_eq!(
        results.iter().map(|r| r.row).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5, 6]
    );
    for r in &results {
        assert_eq!(r.phone, rows[r.row as usize].phone, "row {}", r.row);
        match r.row {
            1 => assert!(r.message.contains("required") && r.dialog_uuid.is_none()),
            2 | 5 => {
                assert!(
                    r.message.starts_with("duplicate clientExternalId"),
                    "{}",
                    r.message
                );
                assert_eq!(r.dialog_uuid, None);
            }
            _ => {
                assert_eq!(r.message, "");
                let dialog = t
                    .store
                    .dialog(company, Ref::Uuid(r.dialog_uuid.unwrap()))
                    .await
                    .unwrap();
                let entry = t.store.queue_entry(company, dialog.id).await.unwrap();
                assert_eq!(
                    (entry.state, entry.campaign_id),
                    (QueueState::Waiting, campaign.id)
                );
                assert_eq!(dialog.inputs, item(r.row as u32, None).variables);
            }
        }
    }
    let counts = t.store.queue_counts(company, campaign.id).await.unwrap();
    assert_eq!(counts.waiting, 5, "four rows and the one queued before");

    let other = super::fixtures::company(&t, "Бета").await;
    assert_not_found(t.store.upload(other.id, task.uuid).await);
    assert_not_found(t.store.upload_results(other.id, task.uuid).await);
    let empty = t
        .store
        .create_upload(company, campaign.id, &[])
        .await
        .unwrap();
    assert!(
        t.store
            .upload_results(company, empty.uuid)
            .await
            .unwrap()
            .is_empty()
    );
}

/// `task` as it was at `processed` rows.
pub fn reload(
    _t: &Ctx,
    task: &parley_domain::campaign::UploadTask,
    processed: u64,
) -> parley_domain::campaign::UploadTask {
    parley_domain::campaign::UploadTask {
        processed,
        ..task.clone()
    }
}
