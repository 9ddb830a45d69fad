//! Two dialer nodes, each with its own connections to one database (PostgreSQL in CI's second
//! run, SQLite otherwise), share a campaign: every contact is dialed exactly once.

use std::collections::HashMap;
use std::sync::Arc;

use parley_domain::call::Call;
use parley_domain::dialer::Dialer;
use parley_domain::ids::Ref;
use parley_domain::values::Page;

use crate::common::{TestApp, contact};

/// Claims and places calls until a claim comes back empty; returns the calls this node made.
async fn drain(dialer: Arc<Dialer>) -> Vec<Call> {
    let mut made = Vec::new();
    loop {
        let claimed = dialer.claim().await.expect("claiming works");
        if claimed.is_empty() {
            return made;
        }
        let calls = claimed.into_iter().map(|claim| {
            let dialer = Arc::clone(&dialer);
            tokio::spawn(async move { dialer.place(claim).await.expect("the call is recorded") })
        });
        for call in calls.collect::<Vec<_>>() {
            made.push(call.await.expect("the call task ends"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_a_campaign_and_dial_every_contact_exactly_once() {
    let app = TestApp::new().await;
    let (_, campaign) = app
        .voice_campaign_with(|s| s.total_channel_limit = 16)
        .await;
    let admin = app.admin();
    let rows = (0..120)
        .map(|i| contact(&format!("+7 495 {:07}", 1_000_000 + i), "cooperative"))
        .collect();
    app.services
        .campaigns
        .upload(&admin, Ref::Id(campaign.id), rows)
        .await
        .unwrap();
    app.services.campaigns.process_uploads().await.unwrap();

    let other = app.separate_node().await;
    let (a, b) = tokio::join!(
        tokio::spawn(drain(app.dialer("node-a"))),
        tokio::spawn(drain(other.dialer("node-b"))),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.len() + b.len(),
        120,
        "a made {}, b made {}",
        a.len(),
        b.len()
    );

    let all = app
        .services
        .campaigns
        .calls(&admin, &Default::default(), Page::new(0, 1000).unwrap())
        .await
        .unwrap();
    assert_eq!(all.total, 120);
    let mut per_dialog: HashMap<_, u32> = HashMap::new();
    for call in &all.items {
        *per_dialog.entry(call.dialog_id).or_default() += 1;
        assert_eq!(call.attempt, 1);
    }
    assert_eq!(per_dialog.len(), 120);
    assert!(
        per_dialog.values().all(|&n| n == 1),
        "no contact dialed twice"
    );
}
