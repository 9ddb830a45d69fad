//! Hostile and odd input found by sweeping every route: a batch that names a task the caller
//! cannot see adds nothing, and phones sent as floats keep their digits.

use parley_domain::ids::Ref;
use serde_json::json;

use crate::common::TestApp;
use crate::tasks::{bot, create_task};

#[tokio::test]
async fn a_batch_naming_an_unknown_task_adds_nothing() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    let item = |phone: &str, task: &str| json!({"phone": [phone], "variables": {"persona": "cooperative"}, "autoCallId": task});
    // The first item is good; the second names a task of nobody (or of another company).
    let unknown = "01a20009-8324-7562-b6fe-e7e6642a6308";
    let reply = app
        .post(
            "/api/v1/telephony/autoCallCandidate/batch",
            Some(&app.tokens.admin),
            json!({"batch": [item("79160000001", &task), item("79160000002", unknown)]}),
        )
        .await;
    insta::assert_json_snapshot!("batch_unknown_task", reply.snap());
    let campaign = app
        .services
        .campaigns
        .campaign(&app.admin(), Ref::parse(&task).unwrap())
        .await
        .unwrap();
    let counts = app
        .services
        .campaigns
        .counts(&app.admin(), campaign.id)
        .await
        .unwrap();
    assert_eq!(counts.total(), 0, "nothing of the batch was queued");
}

#[tokio::test]
async fn phones_sent_as_floats_keep_their_digits() {
    let app = TestApp::new().await;
    let bot = bot(&app).await;
    let task = create_task(&app, json!({"name": "Calls", "defaultExecData": bot})).await;
    // `79160000001.0` read as text would be the 12 digits 791600000010.
    let whole = app
        .post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"phone": 79_160_000_001.0_f64, "autoCallId": task, "forceStart": true}),
        )
        .await;
    assert_eq!(whole.ok(200)["batch"][0]["phone"], "79160000001");
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].phone.digits(), "79160000001");
    let fraction = app
        .post(
            "/api/v1/telephony/autoCallCandidate",
            Some(&app.tokens.admin),
            json!({"phone": [7_916_000_000.5_f64], "autoCallId": task}),
        )
        .await;
    insta::assert_json_snapshot!("single_fractional_phone", fraction.snap());
}
