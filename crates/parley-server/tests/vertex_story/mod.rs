//! The whole Bot.one story against the real binary: an integration creates and starts a dialog
//! through the Bot.one face, the customer chats through the native API (long-poll and an event
//! stream), an external custom block (a local axum service) looks the order up with its token,
//! an operator takes over and hands back through Bot.one, the dialog ends, and Bot.one's list
//! and data views show it.

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::create_user;
use crate::support::Server;

const EMAIL: &str = "story@acme.test";
const PASSWORD: &str = "correct horse";

/// What the order service saw: the context Parley posted, then its own calls' statuses.
#[derive(Debug)]
enum Seen {
    Context(Value),
    Calls {
        send_message: (u16, Value),
        complete: u16,
    },
}

/// The order service: accepts the context at once, then (as a real service would, after its
/// lookup) writes into the dialog with the token, typing on, and completes the block.
async fn order_service(parley: String) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let (seen, received) = mpsc::unbounded_channel();
    let state = (parley, seen);
    let app = axum::Router::new()
        .route(
            "/orders/lookup",
            post(
                |State((parley, seen)): State<(String, mpsc::UnboundedSender<Seen>)>,
                 Json(context): Json<Value>| async move {
                    let token = context["token"].as_str().unwrap_or_default().to_owned();
                    let _ = seen.send(Seen::Context(context));
                    tokio::spawn(async move {
                        let client = crate::support::client();
                        let sent = client
                            .post(format!("{parley}/api/vertex/v1/dialog/send_message"))
                            .json(&json!({"token": token, "text": "Looking your order up…", "typing": true}))
                            .send()
                            .await
                            .expect("send_message reaches Parley");
                        let status = sent.status().as_u16();
                        let body = sent.json().await.unwrap_or(Value::Null);
                        let completed = client
                            .post(format!("{parley}/api/vertex/v1/complete"))
                            .json(&json!({"token": token, "data": {"state": "shipped", "eta": "tomorrow"}}))
                            .send()
                            .await
                            .expect("complete reaches Parley");
                        let _ = seen.send(Seen::Calls {
                            send_message: (status, body),
                            complete: completed.status().as_u16(),
                        });
                    });
                    Json(json!({"accepted": true}))
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/orders/lookup"), received)
}

/// A Bot.one call with HTTP Basic; returns the status and the JSON body (Null when empty).
async fn botone(server: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = server
        .client
        .request(method.parse().expect("a method"), server.url(path))
        .basic_auth(EMAIL, Some(PASSWORD));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body read");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Long-polls the dialog's messages until one says `needle`; returns the texts seen
/// (`sender: text`) and the last message id.
async fn wait_for(
    server: &Server,
    token: &str,
    dialog: i64,
    mut after: i64,
    needle: &str,
) -> (Vec<String>, i64) {
    let mut texts = Vec::new();
    loop {
        let (status, page) = server
            .get(
                &format!("/parley/v1/dialogs/{dialog}/messages?after={after}&wait=20"),
                token,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(
            !items.is_empty(),
            "nothing arrived while waiting for {needle:?}: {texts:?}"
        );
        for item in items {
            after = item["id"].as_i64().expect("message id");
            texts.push(format!(
                "{}: {}",
                item["sender"].as_str().unwrap_or_default(),
                item["text"].as_str().unwrap_or_default()
            ));
        }
        if texts.iter().any(|t| t.contains(needle)) {
            return (texts, after);
        }
    }
}

#[tokio::test]
async fn bot_one_story_with_a_vertex_block_and_an_operator() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    create_user(dir.path(), EMAIL, PASSWORD);
    let server = Server::start(dir.path(), &[]).await;
    let (block_url, mut seen) = order_service(server.base.clone()).await;
    let token = server.login(EMAIL, PASSWORD).await;
    let scenario = include_str!("../fixtures/order-status.yaml").replace("BLOCK_URL", &block_url);
    let agent = crate::create_agent(&server, &token, &scenario).await;

    // The integration creates and starts the dialog through Bot.one (variables as a JSON string).
    let (status, created) = botone(
        &server,
        "POST",
        &format!("/api/v2/dialog/{agent}/create?response=true"),
        Some(json!({"variables": "{ \"client_name\": \"Anna\" }"})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["dialogId"].as_i64().expect("dialogId");
    let uuid = created["dialogUUID"]
        .as_str()
        .expect("dialogUUID")
        .to_owned();

    // The customer's page follows the dialog's events from the start.
    let stream = server
        .client
        .get(server.url(&format!("/parley/v1/dialogs/{id}/events")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the event stream opens");
    assert_eq!(stream.status(), 200);

    let (texts, last) = wait_for(&server, &token, id, 0, "order number").await;
    assert_eq!(
        texts,
        [
            "bot: Hello, Anna! I can check where your order is.",
            "bot: What is your order number?"
        ]
    );
    let (status, turn) = server
        .post(
            &format!("/parley/v1/dialogs/{id}/messages"),
            Some(&token),
            json!({"text": "1234"}),
        )
        .await;
    assert_eq!(status, 200, "{turn}");

    // The order service gets the context with a token, writes, and completes the block.
    let Some(Seen::Context(context)) = seen.recv().await else {
        panic!("no context posted")
    };
    assert_eq!(
        (
            context["dialog_id"].as_i64(),
            context["dialog_uuid"].as_str()
        ),
        (Some(id), Some(uuid.as_str()))
    );
    assert_eq!(
        (context["bot_id"].as_i64(), context["block"].as_str()),
        (Some(agent), Some("lookup"))
    );
    assert_eq!(context["params"], json!({"order": 1234, "channel": "web"}));
    assert_eq!(context["variables"]["client_name"], "Anna");
    assert!(
        context["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("eyJ")),
        "{context}"
    );
    let (texts, last) = wait_for(&server, &token, id, last, "anything else").await;
    assert_eq!(
        texts[texts.len() - 3..],
        [
            "bot: Looking your order up…",
            "bot: Order 1234 is shipped; it should arrive tomorrow.",
            "bot: Is there anything else I can do?",
        ]
    );
    let Some(Seen::Calls {
        send_message,
        complete,
    }) = seen.recv().await
    else {
        panic!("the service made no calls")
    };
    assert_eq!(send_message.0, 200, "{}", send_message.1);
    assert!(
        send_message.1["message_id"].as_i64().is_some()
            && send_message.1["created_at"].as_i64().is_some()
    );
    assert_eq!(complete, 204);

    // An operator takes over through Bot.one, writes, and hands back.
    let base = format!("/api/v2/conversation/{uuid}");
    assert_eq!(
        botone(&server, "POST", &format!("{base}/stop"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        botone(&server, "GET", &base, None).await.1["status"],
        "operator"
    );
    let (status, _) = botone(
        &server,
        "POST",
        &format!("{base}/send"),
        Some(json!({"body": "Hi Anna, this is Maria. Your parcel is with the courier."})),
    )
    .await;
    assert_eq!(status, 204);
    let (texts, last) = wait_for(&server, &token, id, last, "Maria").await;
    assert!(
        texts.last().is_some_and(|t| t.starts_with("operator: ")),
        "{texts:?}"
    );
    assert_eq!(
        botone(&server, "POST", &format!("{base}/start"), None)
            .await
            .0,
        204
    );
    let (_, last) = wait_for(&server, &token, id, last, "anything else").await;

    let (status, turn) = server
        .post(
            &format!("/parley/v1/dialogs/{id}/messages"),
            Some(&token),
            json!({"text": "No, thanks"}),
        )
        .await;
    assert_eq!(status, 200, "{turn}");
    assert_eq!(turn["dialog"]["status"], "ended");
    let (texts, _) = wait_for(&server, &token, id, last, "goodbye").await;
    assert_eq!(
        texts.last().map(String::as_str),
        Some("bot: Thank you, goodbye!")
    );

    // The event stream saw everything and ended with the dialog.
    let events = stream
        .text()
        .await
        .expect("the stream ends with the dialog");
    for expected in [
        "Looking your order up",
        "this is Maria",
        "Thank you, goodbye!",
        "\"status\":\"ended\"",
    ] {
        assert!(
            events.contains(expected),
            "{expected:?} missing from the stream:\n{events}"
        );
    }
    assert!(events.contains("event: typing"), "{events}");
    assert!(events.contains("{\"typing\":true}"), "{events}");

    // Bot.one's list and data show the finished conversation.
    let (status, list) = botone(
        &server,
        "GET",
        &format!("/api/v2/conversations?BotID={agent}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["meta"]["pagination"]["total"], 1);
    assert_eq!(
        (list["0"]["id"].as_str(), list["0"]["status"].as_str()),
        (Some(uuid.as_str()), Some("completed"))
    );
    assert_eq!(list["0"]["name"], format!("#{id} Unknown"));
    let (status, data) = botone(&server, "GET", &format!("/api/v1/conversation/{id}"), None).await;
    assert_eq!(status, 200, "{data}");
    assert_eq!(
        (data["status"].as_str(), data["location"].as_str()),
        (Some("completed"), Some("Unknown"))
    );
    let answers: Vec<(&str, &str)> = data["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| {
            (
                d["variable"].as_str().unwrap_or_default(),
                d["answer"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(answers, [("order_number", "1234"), ("more", "No, thanks")]);
}
