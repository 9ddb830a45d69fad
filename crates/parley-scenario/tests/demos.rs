//! The demo scenarios shipped with the server load cleanly and pass their own conversation tests.

use parley_scenario::{parse, run_tests};

fn check(name: &str, source: &str) -> usize {
    let scenario = parse(source).unwrap_or_else(|diags| {
        let list: Vec<String> = diags.iter().map(ToString::to_string).collect();
        panic!("{name} does not load:\n{}", list.join("\n"))
    });
    assert!(
        scenario.warnings().is_empty(),
        "{name} warnings: {:?}",
        scenario.warnings()
    );
    let outcomes = run_tests(&scenario);
    assert!(!outcomes.is_empty(), "{name} has no conversation tests");
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{}: {}", o.name, o.failures.join("; ")))
        .collect();
    assert!(
        failed.is_empty(),
        "{name} tests failed:\n{}",
        failed.join("\n")
    );
    outcomes.len()
}

#[test]
fn chat_survey_passes_its_tests() {
    let n = check(
        "chat-survey",
        include_str!("../../parley-server/demo/chat-survey.yaml"),
    );
    assert!(n >= 4);
}

#[test]
fn voice_survey_passes_its_tests() {
    let n = check(
        "voice-survey",
        include_str!("../../parley-server/demo/voice-survey.yaml"),
    );
    assert!(n >= 6);
}
