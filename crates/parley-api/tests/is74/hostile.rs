//! Hostile and odd input found by sweeping every route: phones sent as floats keep their digits.

use serde_json::json;

use crate::common::TestApp;
use crate::support::{agent, body, post, snap};

#[tokio::test]
async fn phones_sent_as_floats_keep_their_digits() {
    let app = TestApp::new().await;
    agent(&app).await;
    // `79990000001.0` read as text would be the 12 digits 799900000010.
    let phones = json!([{"phone": 79_990_000_001.0_f64, "add_data": {"persona": "cooperative"}}]);
    post(&app, "/api/campaigns", &app.tokens.admin, body(phones))
        .await
        .ok(200);
    let calls = app.run_dialer().await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].phone.digits(), "79990000001");

    let fraction = json!([{"phone": 7_999_000_000.5_f64}]);
    let reply = post(&app, "/api/campaigns", &app.tokens.admin, body(fraction)).await;
    insta::assert_json_snapshot!("fractional_phone", snap(&reply));
}
