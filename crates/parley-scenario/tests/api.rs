//! Tests of the public API that conversation tests cannot express: actions in detail, persistence, accessors, errors.

use chrono::{DateTime, Utc};
use parley_scenario::{
    Action, Button, DialogState, Event, EventKind, HttpRequest, OutputKind, Scenario, Status,
    StepError, Value, Variables, Voice, parse, run_tests, step,
};
use serde_json::json;

const CHAT: &str = include_str!("../../parley-server/demo/chat-survey.yaml");
const VOICE: &str = include_str!("../../parley-server/demo/voice-survey.yaml");

fn at() -> DateTime<Utc> {
    parley_scenario::default_test_time()
}

fn vars(v: Value) -> Variables {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn load(src: &str) -> Scenario {
    parse(src).unwrap_or_else(|d| panic!("{d:?}"))
}

fn start(s: &Scenario, entry: Option<&str>, v: Value) -> Result<parley_scenario::Turn, StepError> {
    step(
        s,
        &DialogState::new(),
        Event::new(
            at(),
            EventKind::Start {
                entry: entry.map(str::to_owned),
                variables: vars(v),
            },
        ),
    )
}

fn send(
    s: &Scenario,
    state: &DialogState,
    kind: EventKind,
) -> Result<parley_scenario::Turn, StepError> {
    step(s, state, Event::new(at(), kind))
}

#[test]
fn scenario_accessors() {
    let s = load(VOICE);
    assert_eq!(s.name(), "Voice quality survey");
    assert_eq!(
        s.description(),
        Some("Outbound call after a purchase; collects a 1-5 rating.")
    );
    assert_eq!(s.language(), Some("ru"));
    assert_eq!(s.entry_points(), vec!["main", "callback"]);
    assert_eq!(s.default_entry(), "main");
    assert!(s.has_entry("callback") && !s.has_entry("hello"));
    assert_eq!(s.entry_block("callback"), Some("hello_again"));
    assert_eq!(s.inputs()[0].name, "client_name");
    assert!(s.inputs()[0].synthesis && s.inputs()[0].required);
    assert_eq!(s.inputs()[1].default, Some(json!("«Пример»")));
    let outputs: Vec<_> = s
        .outputs()
        .iter()
        .map(|o| (o.name.as_str(), o.kind.as_str(), o.cell))
        .collect();
    assert_eq!(
        outputs,
        vec![
            ("call_result", "string", Some(1)),
            ("rating", "number", Some(2)),
            ("comment", "string", Some(3)),
            ("callback_date", "datetime", Some(4)),
        ]
    );
    assert_eq!(OutputKind::parse("boolean"), Some(OutputKind::Boolean));
    assert_eq!(s.block_count(), s.block_names().len());
    assert_eq!(s.block_id("hello"), Some(1));
    assert_eq!(s.block_by_id(1), Some("hello"));
    assert!(s.tests().len() >= 6);
    assert!(s.tests().iter().all(|t| t.line > 1));
}

#[test]
fn ask_emits_prompt_with_buttons_and_waits() {
    let s = load(CHAT);
    let turn = start(&s, None, json!({"client_name": "Ann"})).unwrap();
    assert_eq!(turn.state.status(), Status::AwaitingInput);
    assert_eq!(turn.state.current_block(), Some("ask_rating"));
    assert_eq!(turn.state.no_input_timeout_ms(), Some(4000));
    assert_eq!(
        turn.state.prompt(),
        Some("How would you rate our service, from 1 (poor) to 5 (excellent)?")
    );
    let Action::Say { buttons, voice, .. } = &turn.actions[1] else {
        panic!("{:?}", turn.actions)
    };
    assert_eq!(buttons.len(), 5);
    assert_eq!(
        buttons[0],
        Button {
            id: "1".into(),
            text: "1".into()
        }
    );
    assert_eq!(*voice, None);

    let turn = send(&s, &turn.state, EventKind::Button("4".into())).unwrap();
    assert_eq!(
        turn.actions[0],
        Action::Collected {
            variable: "rating".into(),
            question: "How would you rate our service, from 1 (poor) to 5 (excellent)?".into(),
            kind: "number",
            answer: json!(4),
        }
    );
    assert_eq!(turn.state.variables().get("last_input"), Some(&json!("4")));
}

#[test]
fn voice_overrides_reach_the_action() {
    let s = load(VOICE);
    let turn = start(&s, None, json!({"client_name": "Анна"})).unwrap();
    let Action::Say { voice, .. } = &turn.actions[0] else {
        panic!()
    };
    assert_eq!(
        voice.as_ref().and_then(|v| v.emotion.as_deref()),
        Some("friendly")
    );
    assert_eq!(turn.state.no_input_timeout_ms(), Some(5000));
}

#[test]
fn state_survives_a_json_round_trip_mid_dialog() {
    let s = load(CHAT);
    let t1 = start(&s, None, json!({"client_name": "Ann"})).unwrap();
    let json = serde_json::to_string(&t1.state).unwrap();
    assert!(json.len() < 300, "state is not compact: {json}");
    let restored: DialogState = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, t1.state);
    let a = send(&s, &t1.state, EventKind::Text("2".into())).unwrap();
    let b = send(&s, &restored, EventKind::Text("2".into())).unwrap();
    assert_eq!(a, b, "the same inputs give the same outputs");
    assert_eq!(a.state.current_block(), Some("ask_problem"));
}

#[test]
fn operator_messages_leave_the_state_alone() {
    let s = load(CHAT);
    let mut state = start(&s, None, json!({})).unwrap().state;
    for input in ["1", "slow", "yes"] {
        state = send(&s, &state, EventKind::Text(input.into()))
            .unwrap()
            .state;
    }
    assert_eq!(state.status(), Status::WithOperator);
    for kind in [
        EventKind::Text("hi".into()),
        EventKind::Button("yes".into()),
        EventKind::Dtmf("1".into()),
        EventKind::NoInput,
    ] {
        let turn = send(&s, &state, kind).unwrap();
        assert!(turn.actions.is_empty());
        assert_eq!(turn.state, state);
    }
    let turn = send(&s, &state, EventKind::OperatorReleased).unwrap();
    assert_eq!(turn.state.status(), Status::Ended);
    assert_eq!(turn.state.result(), Some("escalated"));
    assert!(
        matches!(turn.actions.last(), Some(Action::End { result: Some(r) }) if r == "escalated")
    );
}

const HOOKS: &str = r#"
format: parley.scenario/v1
name: hooks
entry_points: { main: hook, custom: verify, transfer: handoff, agent: away }
blocks:
  hook:
    id: 1
    webhook: "https://api.example/x/{{ who }}"
    headers: { X-Token: "t-{{ who }}" }
    body: { who: "{{ who }}" }
    timeout_ms: 1500
    next: done
  verify:
    id: 2
    custom: "https://kyc.example"
    params: { who: "{{ who }}", n: 1 }
    next: done
  handoff:
    id: 3
    transfer: "help {{ who }}"
  away:
    id: 4
    goto: { agent: billing, entry: debts }
  done:
    id: 5
    end: done
"#;

#[test]
fn webhook_custom_transfer_and_goto_actions() {
    let s = load(HOOKS);
    let who = json!({"who": "ann"});
    let turn = start(&s, None, who.clone()).unwrap();
    assert_eq!(
        turn.actions,
        vec![Action::Http(HttpRequest {
            method: "POST".into(),
            url: "https://api.example/x/ann".into(),
            headers: vec![
                ("X-Token".into(), "t-ann".into()),
                ("Content-Type".into(), "application/json".into())
            ],
            body: Some(r#"{"who":"ann"}"#.into()),
            timeout_ms: 1500,
        })]
    );
    assert_eq!(turn.state.status(), Status::AwaitingHttp);

    let turn = start(&s, Some("custom"), who.clone()).unwrap();
    assert_eq!(
        turn.actions,
        vec![Action::AwaitCustom {
            block: "verify".into(),
            url: Some("https://kyc.example".into()),
            params: json!({"who": "ann", "n": 1}),
        }]
    );
    assert_eq!(turn.state.status(), Status::AwaitingCustom);

    let turn = start(&s, Some("transfer"), who.clone()).unwrap();
    assert_eq!(
        turn.actions,
        vec![Action::Transfer {
            reason: Some("help ann".into())
        }]
    );

    let turn = start(&s, Some("agent"), who).unwrap();
    assert_eq!(
        turn.actions,
        vec![Action::GotoAgent {
            agent: "billing".into(),
            entry: Some("debts".into())
        }]
    );
    assert_eq!(turn.state.status(), Status::Ended);
    assert_eq!(turn.state.variables().get("who"), Some(&json!("ann")));
}

#[test]
fn start_errors() {
    let s = load(VOICE);
    assert_eq!(
        start(&s, Some("nope"), json!({})).unwrap_err(),
        StepError::UnknownEntry("nope".into())
    );
    assert_eq!(
        start(&s, None, json!({})).unwrap_err(),
        StepError::MissingInput("client_name".into())
    );
    assert_eq!(
        start(&s, None, json!({"client_name": null})).unwrap_err(),
        StepError::MissingInput("client_name".into())
    );
    let state = start(&s, None, json!({"client_name": "A"})).unwrap().state;
    let again = send(
        &s,
        &state,
        EventKind::Start {
            entry: None,
            variables: Variables::new(),
        },
    );
    assert_eq!(
        again.unwrap_err(),
        StepError::Unexpected {
            status: Status::AwaitingInput,
            event: "start"
        }
    );
    let not_started = send(&s, &DialogState::new(), EventKind::Text("hi".into()));
    assert_eq!(
        not_started.unwrap_err(),
        StepError::Unexpected {
            status: Status::NotStarted,
            event: "text"
        }
    );
}

#[test]
fn step_error_messages_are_sentences() {
    let messages: Vec<String> = [
        StepError::UnknownEntry("x".into()),
        StepError::MissingInput("name".into()),
        StepError::Unexpected {
            status: Status::Ended,
            event: "text",
        },
        StepError::Script {
            block: "calc".into(),
            message: "expression failed: boom".into(),
        },
        StepError::Template {
            block: "greet".into(),
            message: "unknown filter".into(),
        },
        StepError::LoopLimit { limit: 1000 },
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    insta::assert_snapshot!(messages.join("\n"));
}

#[test]
fn warnings_for_unreachable_blocks_and_unset_outputs() {
    let s = load(
        "format: parley.scenario/v1\nname: w\noutputs: [{name: score}]\nentry_points: {main: a}\nblocks:\n  a: {id: 1, end: x}\n  orphan: {id: 2, end: y}\n",
    );
    let w: Vec<String> = s.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        vec![
            "7:1: block `orphan` cannot be reached from any entry point (hint: link it with `next` or remove it)",
            "1:1: output `score` is never set by any block (hint: store it with an ask `var`, a `set` block or a webhook `save`)",
        ]
    );
}

#[test]
fn failing_conversation_tests_say_where_and_why() {
    let src = r#"
format: parley.scenario/v1
name: failing
entry_points: { main: ask }
blocks:
  ask: { id: 1, ask: "Name?", var: name, next: hook }
  hook: { id: 2, webhook: "https://x.example", next: bye }
  bye: { id: 3, end: done }
tests:
  - name: wrong everywhere
    steps:
      - bot: "Surname?"
      - bot: { contains: "more" }
      - user: Ann
      - expect: { status: ended, result: other, block: bye, variables: { name: Bob, age: 3 }, transfer: true, goto: x }
      - expect: { request: { method: PUT, url: "https://y.example", body: { a: 1 } } }
      - http: { status: 200, body: "{}" }
      - user: too late
  - name: an error nobody expected
    steps:
      - http: { status: 200 }
      - bot: never reached
  - name: an error that did not happen
    steps:
      - expect: { error: boom }
"#;
    let s = load(src);
    let outcomes = run_tests(&s);
    assert!(outcomes.iter().all(|o| !o.passed));
    let text: Vec<String> = outcomes
        .iter()
        .map(|o| format!("{}:\n  {}", o.name, o.failures.join("\n  ")))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn voice_defaults_are_empty() {
    assert_eq!(
        Voice::default(),
        Voice {
            tts: None,
            speed: None,
            pitch: None,
            emotion: None
        }
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn parse_never_panics(src in "\\PC{0,200}") {
            let _ = parse(&src);
        }

        #[test]
        fn any_answers_keep_the_dialog_consistent(inputs in proptest::collection::vec("\\PC{0,20}", 1..8)) {
            let s = load(CHAT);
            let mut state = start(&s, None, json!({})).unwrap().state;
            for input in inputs {
                match send(&s, &state, EventKind::Text(input)) {
                    Ok(turn) => {
                        let json = serde_json::to_string(&turn.state).unwrap();
                        let back: DialogState = serde_json::from_str(&json).unwrap();
                        prop_assert_eq!(&back, &turn.state);
                        state = turn.state;
                    }
                    Err(StepError::Unexpected { .. }) => prop_assert!(
                        matches!(state.status(), Status::Ended | Status::WithOperator)
                    ),
                    Err(e) => prop_assert!(false, "unexpected error: {e}"),
                }
            }
        }
    }
}

#[test]
fn a_state_from_another_scenario_is_refused_not_misread() {
    let chat = load(CHAT);
    let voice = load(VOICE);
    let mut state = start(&chat, None, json!({})).unwrap().state;
    for answer in ["2", "late"] {
        state = send(&chat, &state, EventKind::Text(answer.into()))
            .unwrap()
            .state;
    }
    assert_eq!(state.current_block(), Some("offer_operator"));
    let err = send(&voice, &state, EventKind::Text("yes".into())).unwrap_err();
    let StepError::Script { block, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(block, "offer_operator");
    assert!(message.contains("does not have"), "{message}");
    // A block of the same name that is not an ask.
    let state = start(&voice, None, json!({"client_name": "A"}))
        .unwrap()
        .state;
    let hook = load(HOOKS);
    let renamed: DialogState = serde_json::from_value({
        let mut v = serde_json::to_value(&state).unwrap();
        v["b"] = json!("hook");
        v
    })
    .unwrap();
    let err = send(&hook, &renamed, EventKind::Text("да".into())).unwrap_err();
    assert!(err.to_string().contains("is not an `ask` block"), "{err}");
}

#[test]
fn engine_types_can_be_shared_across_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Scenario>();
    send_sync::<DialogState>();
    send_sync::<parley_scenario::Turn>();
    send_sync::<StepError>();
    send_sync::<parley_scenario::Diagnostic>();
}
