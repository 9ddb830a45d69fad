//! Tests of the simulated line: persona documents, outcomes, replies, the timeline, time scales.

use std::time::Duration;

use parley_domain::call::{Responder, Speaker, Utterance};
use parley_domain::dialer::{Outcome, PhoneNumber};
use parley_domain::ids::{AgentId, CompanyId, Uuid};
use parley_domain::line::{CallLeg, DialRequest, Dialed, Heard, LegReport, Line, Transferred};
use parley_scenario::Variables;

use super::*;

const LISTEN: Duration = Duration::from_secs(5);

/// Personas whose behaviour a test can predict: no chances below 1 unless a test wants them.
const SCRIPTED: &str = r#"
format: parley.personas/v1
personas:
  - name: helpful
    weight: 1
    greeting: Алло?
    speech_rate: 10
    think: [1, 1]
    replies:
      - regex: удобно.*говорить
        say: Да, конечно
      - keywords: [от одного до пяти]
        dtmf: "4"
      - keywords: [улучшить]
        think: [9, 9]
        say: Ничего
      - keywords: [молчите]
        silent: true
      - keywords: [до свидания]
        hang_up: true
    default:
      say: Что?
    operator: { wait: [10, 10], talk: [120, 120] }
  - name: busy
    weight: 0
    outcomes: { busy: 1 }
  - name: impatient
    weight: 0
    hang_up_chance: 1
  - name: machine
    weight: 0
    outcomes: { answering_machine: 1 }
    voicemail: Оставьте сообщение.
    speech_rate: 10
"#;

fn scripted() -> Personas {
    Personas::from_yaml(SCRIPTED).unwrap()
}

fn request(call: u128, persona: Option<&str>) -> DialRequest {
    let mut variables = Variables::new();
    if let Some(name) = persona {
        variables.insert(PERSONA_VARIABLE.into(), name.into());
    }
    DialRequest {
        call_uuid: Uuid::from_u128(call),
        company_id: CompanyId(1),
        agent_id: AgentId(1),
        to: PhoneNumber::parse("+79161234567").unwrap(),
        variables,
        attempt: 1,
    }
}

async fn answered(line: &SimLine, call: u128, persona: &str) -> (Box<dyn CallLeg>, Responder) {
    match line.dial(request(call, Some(persona))).await.unwrap() {
        Dialed::Answered { leg, responder, .. } => (leg, responder),
        other => panic!("expected an answer, got {other:?}"),
    }
}

fn ends(transcript: &[Utterance]) -> Vec<u64> {
    transcript.iter().map(|u| u.at_ms + u.duration_ms).collect()
}

#[test]
fn the_builtin_personas_parse() {
    let personas = Personas::builtin();
    let names: Vec<&str> = personas.iter().map(Persona::name).collect();
    for name in [
        "cooperative",
        "refuses",
        "silent",
        "hangs_up_early",
        "voicemail",
        "always_busy",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(personas.iter().all(|p| p.weight() > 0.0));
}

#[test]
fn the_readme_example_parses() {
    let readme = include_str!("../../README.md");
    let (_, rest) = readme.split_once("```yaml\n").unwrap();
    let (yaml, _) = rest.split_once("```").unwrap();
    let personas = Personas::from_yaml(yaml).unwrap();
    assert_eq!(personas.get("cooperative").map(Persona::weight), Some(30.0));
}

#[test]
fn persona_documents_are_checked_field_by_field() {
    let persona =
        |body: &str| format!("format: parley.personas/v1\npersonas:\n  - name: ann\n{body}");
    let cases = [
        (
            "unknown field",
            persona("    sya: hi\n"),
            "persona `ann`: ",
            "unknown field `sya`",
        ),
        (
            "bad regex",
            persona("    replies:\n      - { regex: '(', say: да }\n"),
            "replies[0].regex",
            "invalid regex",
        ),
        (
            "two actions",
            persona("    replies:\n      - { keywords: [a], say: да, hang_up: true }\n"),
            "replies[0].say",
            "exactly one of",
        ),
        (
            "no matcher",
            persona("    replies:\n      - { say: да }\n"),
            "replies[0].regex",
            "`regex` or `keywords`",
        ),
        (
            "probabilities",
            persona("    outcomes: { answered: 0.5, busy: 0.2 }\n"),
            "outcomes",
            "add up to 1",
        ),
        (
            "unknown outcome",
            persona("    outcomes: { maybe: 1 }\n"),
            "outcomes.maybe",
            "unknown outcome",
        ),
        (
            "dialer outcome",
            persona("    outcomes: { blacklist: 1 }\n"),
            "outcomes.blacklist",
            "decided by the dialer",
        ),
        (
            "range order",
            persona("    think: [3, 1]\n"),
            "think",
            "min <= max",
        ),
        (
            "range shape",
            persona("    think: 3\n"),
            "persona `ann`: think",
            "invalid type",
        ),
        (
            "speech rate",
            persona("    speech_rate: 0\n"),
            "speech_rate",
            "characters per second",
        ),
        (
            "dtmf keys",
            persona("    default: { dtmf: 12a }\n"),
            "default.dtmf",
            "0-9",
        ),
        (
            "duplicate",
            format!("{}  - name: ann\n", persona("")),
            "persona `ann`: name",
            "another persona",
        ),
        (
            "zero weight",
            persona("    weight: 0\n"),
            "persona document",
            "weight 0",
        ),
        (
            "format",
            "format: v0\npersonas: []\n".to_owned(),
            "format",
            "parley.personas/v1",
        ),
        ("syntax", "format: [\n".to_owned(), "persona document", ""),
    ];
    for (name, text, where_, what) in cases {
        let error = Personas::from_yaml(&text).unwrap_err().to_string();
        assert!(error.contains(where_), "{name}: `{where_}` not in {error}");
        assert!(error.contains(what), "{name}: `{what}` not in {error}");
    }
}

#[test]
fn a_missing_file_is_named() {
    let error = Personas::load("/nonexistent/personas.yaml").unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/personas.yaml"),
        "{error}"
    );
}

#[tokio::test]
async fn a_busy_persona_is_busy_after_a_short_ring() {
    let line = SimLine::new(scripted(), TimeScale::INSTANT, 7);
    for call in 0..20 {
        match line.dial(request(call, Some("busy"))).await.unwrap() {
            Dialed::NotConnected { outcome, ring } => {
                assert_eq!(outcome, Outcome::Busy);
                assert!((1..=4).contains(&ring.as_secs()), "{ring:?}");
            }
            other => panic!("expected busy, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_cooperative_persona_answers_by_its_rules() {
    let line = SimLine::new(scripted(), TimeScale::INSTANT, 7);
    let (mut leg, responder) = answered(&line, 1, "helpful").await;
    assert_eq!(responder, Responder::Human);
    let turns = [
        (
            "Вам удобно сейчас говорить?",
            Heard::Speech("Да, конечно".into()),
        ),
        ("Оцените от одного до пяти.", Heard::Dtmf("4".into())),
        ("Как дела?", Heard::Speech("Что?".into())),
        ("Что нам улучшить?", Heard::Silence), // thinks 9 s, the bot waits 5
        ("Вы молчите?", Heard::Silence),
        ("Спасибо, до свидания!", Heard::HungUp),
    ];
    for (prompt, expected) in turns {
        assert!(leg.say(prompt).await.unwrap(), "{prompt}");
        assert_eq!(leg.listen(LISTEN).await.unwrap(), expected, "{prompt}");
    }
    assert!(!leg.say("Алло?").await.unwrap(), "the callee is gone");
    assert_eq!(leg.listen(LISTEN).await.unwrap(), Heard::HungUp);
    assert_eq!(leg.transfer().await.unwrap(), Transferred::HungUp);
    let report = leg.hang_up().await.unwrap();
    let texts: Vec<(Speaker, &str)> = report
        .transcript
        .iter()
        .map(|u| (u.speaker, u.text.as_str()))
        .collect();
    assert_eq!(texts[0], (Speaker::Human, "Алло?"));
    assert!(texts.contains(&(Speaker::Human, "DTMF 4")));
    assert!(
        !texts.contains(&(Speaker::Bot, "Алло?")),
        "nothing is said after the hang-up"
    );
}

#[tokio::test]
async fn replies_answer_everything_the_bot_said_since_the_callee_spoke() {
    let line = SimLine::new(scripted(), TimeScale::INSTANT, 7);
    let (mut leg, _) = answered(&line, 2, "helpful").await;
    leg.say("Здравствуйте!").await.unwrap();
    leg.say("Вам удобно сейчас говорить?").await.unwrap();
    assert_eq!(
        leg.listen(LISTEN).await.unwrap(),
        Heard::Speech("Да, конечно".into())
    );
    leg.say("Хорошо.").await.unwrap();
    assert_eq!(
        leg.listen(LISTEN).await.unwrap(),
        Heard::Speech("Что?".into())
    );
}

#[tokio::test]
async fn the_persona_variable_selects_by_name() {
    let line = SimLine::new(scripted(), TimeScale::INSTANT, 7);
    for call in 0..20 {
        // Only `helpful` has weight; the others come only by name.
        let (_, responder) = answered(&line, call, "machine").await;
        assert_eq!(responder, Responder::AnsweringMachine);
        let drawn = line.dial(request(call, None)).await.unwrap();
        assert!(matches!(
            drawn,
            Dialed::Answered {
                responder: Responder::Human,
                ..
            }
        ));
    }
    let error = line.dial(request(1, Some("nobody"))).await.unwrap_err();
    assert!(error.message().contains("no persona `nobody`"), "{error}");
    assert!(error.message().contains("`helpful`"), "{error}");
}

/// One call with the built-in personas, talked through a fixed script.
async fn scripted_call(line: &SimLine, call: u128) -> (String, Option<LegReport>) {
    match line.dial(request(call, None)).await.unwrap() {
        Dialed::NotConnected { outcome, ring } => (format!("{outcome:?} {ring:?}"), None),
        Dialed::Answered {
            mut leg,
            responder,
            ring,
        } => {
            for prompt in [
                "Здравствуйте! Вам удобно сейчас говорить пару минут?",
                "Оцените качество по шкале от одного до пяти.",
                "Подскажите, что нам стоит улучшить?",
            ] {
                if !leg.say(prompt).await.unwrap()
                    || leg.listen(LISTEN).await.unwrap() == Heard::HungUp
                {
                    break;
                }
            }
            let report = leg.hang_up().await.unwrap();
            (format!("{responder:?} {ring:?}"), Some(report))
        }
    }
}

#[tokio::test]
async fn the_same_seed_and_call_give_the_same_call() {
    let line = SimLine::new(Personas::builtin(), TimeScale::INSTANT, 42);
    let other_seed = SimLine::new(Personas::builtin(), TimeScale::INSTANT, 43);
    let mut first = Vec::new();
    for call in 0..200 {
        first.push(scripted_call(&line, call).await);
    }
    // Again, in reverse order: a call does not depend on the calls before it.
    for call in (0..200).rev() {
        assert_eq!(
            scripted_call(&line, call).await,
            first[call as usize],
            "call {call}"
        );
    }
    let mut differ = 0;
    for call in 0..200 {
        if scripted_call(&other_seed, call).await != first[call as usize] {
            differ += 1;
        }
    }
    assert!(
        differ > 100,
        "another seed changes most calls, changed {differ}"
    );
    let answered = first.iter().filter(|(_, report)| report.is_some()).count();
    assert!(
        (80..=190).contains(&answered),
        "a realistic mix: {answered} of 200 answered"
    );
}

#[tokio::test]
async fn the_timeline_is_monotonic_and_talk_ends_with_the_last_utterance() {
    let line = SimLine::new(Personas::builtin(), TimeScale::INSTANT, 1);
    let mut checked = 0;
    for call in 0..300 {
        let Dialed::Answered { mut leg, .. } =
            line.dial(request(call, Some("cooperative"))).await.unwrap()
        else {
            continue;
        };
        let mut alive = true;
        for prompt in ["Вам удобно сейчас говорить?", "Оцените от одного до пяти."]
        {
            alive = alive && leg.say(prompt).await.unwrap();
            alive = alive && leg.listen(LISTEN).await.unwrap() != Heard::HungUp;
        }
        alive = alive && leg.say("Спасибо! До свидания.").await.unwrap();
        let report = leg.hang_up().await.unwrap();
        let ends = ends(&report.transcript);
        for (pair, end) in report.transcript.windows(2).zip(&ends) {
            assert!(pair[1].at_ms >= *end, "utterances overlap: {pair:?}");
        }
        assert!(report.transcript.iter().all(|u| u.duration_ms > 0));
        if alive {
            assert_eq!(report.talk.as_millis(), u128::from(*ends.last().unwrap()));
            checked += 1;
        }
        assert!(report.talk.as_millis() >= u128::from(*ends.last().unwrap()));
        assert_eq!(report.operator, Duration::ZERO);
    }
    assert!(checked > 100, "{checked}");
}

#[tokio::test]
async fn a_callee_can_hang_up_during_a_prompt() {
    let line = SimLine::new(scripted(), TimeScale::INSTANT, 3);
    let (mut leg, _) = answered(&line, 5, "impatient").await;
    let prompt = "Здравствуйте! Это служба качества. Вам удобно сейчас говорить?";
    assert!(!leg.say(prompt).await.unwrap());
    assert_eq!(leg.listen(LISTEN).await.unwrap(), Heard::HungUp);
    let report = leg.hang_up().await.unwrap();
    let [said] = report.transcript.as_slice() else {
        panic!("one utterance expected: {:?}", report.transcript)
    };
    let full = leg::spoken_ms(prompt, BOT_SPEECH_RATE);
    assert!(
        said.duration_ms < full,
        "cut short: {} of {full}",
        said.duration_ms
    );
    assert_eq!(
        report.talk.as_millis(),
        u128::from(said.at_ms + said.duration_ms)
    );
}

#[tokio::test]
async fn a_transfer_ends_with_the_operator() {
    let line = SimLine::new(scripted(), TimeScale::INSTANT, 3);
    let (mut leg, _) = answered(&line, 6, "helpful").await;
    leg.say("Соединяю с оператором.").await.unwrap();
    assert_eq!(
        leg.transfer().await.unwrap(),
        Transferred::Talked(Duration::from_secs(120))
    );
    let report = leg.hang_up().await.unwrap();
    let last = report.transcript.last().unwrap();
    assert_eq!(
        (last.speaker, last.text.as_str()),
        (Speaker::Operator, OPERATOR_PLACEHOLDER)
    );
    assert_eq!(last.duration_ms, 120_000);
    assert_eq!(report.operator, Duration::from_secs(120));
    let bot_end = ends(&report.transcript)[1];
    assert_eq!(
        last.at_ms,
        bot_end + 10_000,
        "on hold for the operator's 10 s"
    );
    assert_eq!(report.talk.as_millis(), u128::from(last.at_ms + 120_000));
}

#[tokio::test]
async fn an_answering_machine_greets_then_stays_silent() {
    let line = SimLine::new(scripted(), TimeScale::INSTANT, 3);
    let (leg, responder) = answered(&line, 7, "machine").await;
    assert_eq!(responder, Responder::AnsweringMachine);
    let report = leg.hang_up().await.unwrap();
    let greeting = Utterance {
        speaker: Speaker::Human,
        text: "Оставьте сообщение.".into(),
        at_ms: 0,
        duration_ms: 1900, // 19 characters at 10 a second
    };
    assert_eq!(report.transcript, vec![greeting]);
    assert_eq!(report.talk, Duration::from_millis(1900));

    let (mut leg, _) = answered(&line, 8, "machine").await;
    assert!(leg.say("Вам удобно сейчас говорить?").await.unwrap());
    assert_eq!(leg.listen(LISTEN).await.unwrap(), Heard::Silence);
    let report = leg.hang_up().await.unwrap();
    assert!(
        report.transcript[1].at_ms >= 1900,
        "the bot waits for the greeting"
    );
}

/// A whole call: ring, greeting, two turns and a goodbye.
async fn whole_call(line: &SimLine) -> Duration {
    let Dialed::Answered { mut leg, ring, .. } =
        line.dial(request(9, Some("helpful"))).await.unwrap()
    else {
        panic!("helpful always answers");
    };
    leg.say("Вам удобно сейчас говорить?").await.unwrap();
    leg.listen(LISTEN).await.unwrap();
    leg.say("Что нам улучшить?").await.unwrap();
    leg.listen(LISTEN).await.unwrap();
    ring + leg.hang_up().await.unwrap().talk
}

#[tokio::test(start_paused = true)]
async fn time_passes_at_the_scale() {
    // The paused test clock moves only when the line sleeps, and exactly as far.
    let clock = tokio::time::Instant::now();
    let instant = whole_call(&SimLine::new(scripted(), TimeScale::INSTANT, 3)).await;
    assert_eq!(clock.elapsed(), Duration::ZERO, "scale 0 never sleeps");
    assert!(
        instant > Duration::from_secs(10),
        "yet the call is realistic: {instant:?}"
    );

    let clock = tokio::time::Instant::now();
    let real = whole_call(&SimLine::new(scripted(), TimeScale::REAL, 3)).await;
    assert_eq!(real, instant, "the scale does not change the call");
    assert_eq!(clock.elapsed(), real);
}

#[test]
fn time_scales_convert() {
    let minute = Duration::from_secs(60);
    assert_eq!(TimeScale(0.1).real(minute), Duration::from_secs(6));
    assert_eq!(TimeScale::REAL.real(minute), minute);
    for odd in [TimeScale(-1.0), TimeScale(f64::NAN), TimeScale::INSTANT] {
        assert_eq!(odd.real(minute), Duration::ZERO);
    }
}
