//! Conformance: files uploaded into dialogs — bytes and names round trip, scoping, order.

use parley_domain::file::NewFile;
use parley_domain::ids::{DialogId, FileId, Ref};
use parley_domain::ports::DialogStore;

use super::fixtures::*;
use super::harness::Ctx;

fn new_file(name: &str, bytes: Vec<u8>) -> NewFile {
    NewFile {
        name: name.to_owned(),
        content_type: "application/pdf".to_owned(),
        bytes,
    }
}

pub async fn files_round_trip_names_and_bytes(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let dialog = dialog(&t, &agent).await;
    let bytes: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    let meta = t
        .store
        .add_file(
            a.id,
            dialog.id,
            new_file("Договор №5 (копия).pdf", bytes.clone()),
        )
        .await
        .unwrap();
    assert_v7(meta.uuid);
    assert_eq!(
        (
            meta.dialog_id,
            meta.name.as_str(),
            meta.content_type.as_str()
        ),
        (dialog.id, "Договор №5 (копия).pdf", "application/pdf")
    );
    assert_eq!((meta.size, meta.created_at), (259, t.now()));

    let by_id = t.store.file(a.id, Ref::Id(meta.id)).await.unwrap();
    assert_eq!(by_id, (meta.clone(), bytes.clone()));
    let by_uuid = t.store.file(a.id, Ref::Uuid(meta.uuid)).await.unwrap();
    assert_eq!(by_uuid, (meta.clone(), bytes));

    let empty = t
        .store
        .add_file(a.id, dialog.id, new_file("пусто.txt", Vec::new()))
        .await
        .unwrap();
    assert_eq!(empty.size, 0);
    assert!(
        t.store
            .file(a.id, Ref::Id(empty.id))
            .await
            .unwrap()
            .1
            .is_empty()
    );
}

pub async fn files_are_invisible_to_other_companies(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (b, _) = company_with_agent(&t, "B").await;
    let dialog = dialog(&t, &agent).await;
    let meta = t
        .store
        .add_file(a.id, dialog.id, new_file("a.pdf", vec![1, 2, 3]))
        .await
        .unwrap();
    assert_not_found(t.store.file(b.id, Ref::Id(meta.id)).await);
    assert_not_found(t.store.file(b.id, Ref::Uuid(meta.uuid)).await);
    assert_not_found(t.store.file(a.id, Ref::Id(FileId(meta.id.0 + 1000))).await);
    assert_not_found(t.store.files(b.id, dialog.id).await);
    assert_not_found(
        t.store
            .add_file(b.id, dialog.id, new_file("b.pdf", vec![4]))
            .await,
    );
    assert_not_found(
        t.store
            .add_file(
                a.id,
                DialogId(dialog.id.0 + 1000),
                new_file("c.pdf", vec![4]),
            )
            .await,
    );
    assert_eq!(t.store.files(a.id, dialog.id).await.unwrap(), vec![meta]);
}

pub async fn files_list_in_upload_order_per_dialog(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let first = dialog(&t, &agent).await;
    let second = dialog(&t, &agent).await;
    assert!(t.store.files(a.id, first.id).await.unwrap().is_empty());
    let mut uploaded = Vec::new();
    for name in ["1.png", "2.png", "3.png"] {
        tick(&t, 5);
        uploaded.push(
            t.store
                .add_file(a.id, first.id, new_file(name, name.as_bytes().to_vec()))
                .await
                .unwrap(),
        );
        t.store
            .add_file(a.id, second.id, new_file("other.png", vec![9]))
            .await
            .unwrap();
    }
    assert_eq!(t.store.files(a.id, first.id).await.unwrap(), uploaded);
    assert_eq!(t.store.files(a.id, second.id).await.unwrap().len(), 3);
}
