//! What a customer waits for: messages that arrive later (the bot after a custom block, an
//! operator), by long-poll (`GET /parley/v1/dialogs/{id}/messages?after=N&wait=S`) or as
//! server-sent events (`GET /parley/v1/dialogs/{id}/events`). Both wake on the domain's
//! notification of a saved change, never by polling the store on a timer.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use parley_domain::Services;
use parley_domain::dialog::{DialogStatus, Message};
use parley_domain::ids::{CompanyId, DialogId, MessageId, Ref};
use parley_domain::notifier::{DialogEvent, DialogWatch};
use serde::{Deserialize, Serialize};
use tokio::time::{Instant, timeout_at};
use utoipa::ToSchema;

use crate::common::auth::Bearer;
use crate::common::error::ApiError;
use crate::common::ids::parse_ref;
use crate::common::query::{Path, QueryParams};
use crate::faces::native::dto::{DialogStatusDto, MessageDto};
use crate::faces::native::error::ErrorBody;

/// The longest a long-poll waits, in seconds; longer waits are cut to this.
pub const MAX_WAIT_SECONDS: u64 = 30;

/// Messages that arrived, and whether the bot shows it is typing.
#[derive(Debug)]
pub struct Arrived {
    /// In order.
    pub messages: Vec<Message>,
    /// A custom block's service said the bot goes on typing.
    pub typing: bool,
}

/// Messages of a dialog after `after`; when there are none yet and `wait` is above zero, waits
/// up to `wait` seconds (at most [`MAX_WAIT_SECONDS`]) for the first change that writes one.
/// An ended dialog answers at once.
pub async fn wait_for_messages(
    services: &Services,
    company: CompanyId,
    dialog: Ref<DialogId>,
    after: Option<MessageId>,
    wait: u64,
) -> Result<Arrived, ApiError> {
    let dialogs = &services.dialogs;
    if wait == 0 {
        let found = dialogs.get(company, dialog).await?;
        let messages = dialogs.messages(company, Ref::Id(found.id), after).await?;
        let typing = dialogs.bot_typing(company, found.id).await?;
        return Ok(Arrived { messages, typing });
    }
    let deadline = Instant::now() + Duration::from_secs(wait.min(MAX_WAIT_SECONDS));
    let (found, mut watch) = dialogs.watch(company, dialog).await?;
    let id = found.id;
    let mut status = found.status;
    let messages = loop {
        let messages = dialogs.messages(company, Ref::Id(id), after).await?;
        if !messages.is_empty() || status.is_final() || Instant::now() >= deadline {
            break messages;
        }
        match timeout_at(deadline, watch.next()).await {
            Ok(DialogEvent::Saved { status: now, .. }) => status = now,
            Ok(_) => {}
            Err(_) => break dialogs.messages(company, Ref::Id(id), after).await?,
        }
    };
    let typing = dialogs.bot_typing(company, id).await?;
    Ok(Arrived { messages, typing })
}

/// Where an event stream starts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Replay only messages with an id above this one (`Last-Event-ID` does the same); all
    /// messages when neither is given.
    pub after: Option<i64>,
}

/// The data of a `typing` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct TypingEvent {
    /// Whether the bot shows it is typing.
    pub typing: bool,
}

/// The data of a `status` event.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusEvent {
    /// The dialog's status.
    pub status: DialogStatusDto,
}

/// The dialog as a stream of server-sent events: first `status`, then every message after
/// `after` (`message`, with the message id as the event id), then, as they happen, new
/// messages, `typing` changes and `status` changes. The stream ends after the dialog ends.
#[utoipa::path(get, path = "/parley/v1/dialogs/{id}/events", tag = "dialogs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Integer id or UUID"), EventsQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this message id")),
    responses(
        (status = 200, description = "`text/event-stream`: events `status` (StatusEvent), `message` (Message), `typing` (TypingEvent)", content_type = "text/event-stream", body = String),
        (status = 400, description = "A bad id or `after`", body = ErrorBody),
        (status = 404, description = "No such dialog in the company", body = ErrorBody),
    ))]
pub async fn events(
    State(services): State<Arc<Services>>,
    Bearer(who): Bearer,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let dialog = parse_ref::<DialogId>("dialog", &id)?;
    let after = match query.after {
        Some(after) => Some(after),
        None => last_event_id(&headers)?,
    };
    let company = who.company_id;
    let (found, watch) = services.dialogs.watch(company, dialog).await?;
    let backlog = services
        .dialogs
        .messages(company, Ref::Id(found.id), after.map(MessageId))
        .await?;
    let typing = services.dialogs.bot_typing(company, found.id).await?;
    let mut feed = Feed {
        services,
        company,
        dialog: found.id,
        watch,
        queue: VecDeque::new(),
        last: after.unwrap_or(0),
        status: found.status,
        done: found.status.is_final(),
    };
    feed.queue.push_back(status_event(found.status));
    feed.push_messages(backlog);
    if typing {
        feed.queue.push_back(typing_event(true));
    }
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        feed.next().await.map(|event| (Ok(event), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The state of one event stream.
struct Feed {
    services: Arc<Services>,
    company: CompanyId,
    dialog: DialogId,
    watch: DialogWatch,
    queue: VecDeque<Event>,
    /// The id of the last message sent.
    last: i64,
    status: DialogStatus,
    /// The dialog has ended: send what is queued, then stop.
    done: bool,
}

impl Feed {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if self.done {
                return None;
            }
            match self.watch.next().await {
                DialogEvent::Saved { status, messages } => {
                    self.push_messages(messages);
                    self.set_status(status);
                }
                DialogEvent::Typing(typing) => self.queue.push_back(typing_event(typing)),
                DialogEvent::Missed => {
                    let services = Arc::clone(&self.services);
                    let dialogs = &services.dialogs;
                    let reference = Ref::Id(self.dialog);
                    let after = Some(MessageId(self.last));
                    let Ok(messages) = dialogs.messages(self.company, reference, after).await
                    else {
                        return None;
                    };
                    self.push_messages(messages);
                    let Ok(dialog) = dialogs.get(self.company, reference).await else {
                        return None;
                    };
                    self.set_status(dialog.status);
                }
            }
        }
    }

    fn push_messages(&mut self, messages: Vec<Message>) {
        for message in messages {
            if message.id.0 <= self.last {
                continue;
            }
            self.last = message.id.0;
            let id = message.id.0.to_string();
            let data = serde_json::to_string(&MessageDto::from(message)).unwrap_or_default();
            self.queue
                .push_back(Event::default().event("message").id(id).data(data));
        }
    }

    fn set_status(&mut self, status: DialogStatus) {
        if status != self.status {
            self.status = status;
            self.queue.push_back(status_event(status));
        }
        self.done = status.is_final();
    }
}

fn status_event(status: DialogStatus) -> Event {
    let data = StatusEvent {
        status: status.into(),
    };
    Event::default()
        .event("status")
        .data(serde_json::to_string(&data).unwrap_or_default())
}

fn typing_event(typing: bool) -> Event {
    let data = serde_json::to_string(&TypingEvent { typing }).unwrap_or_default();
    Event::default().event("typing").data(data)
}

/// The `Last-Event-ID` header, a message id.
fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| ApiError::invalid("`Last-Event-ID` must be a message id (an integer)"))
}
