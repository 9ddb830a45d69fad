//! Data-driven engine tests: every `tests/cases/*.yaml` scenario must load and pass its own conversation tests.

use std::path::Path;

use parley_scenario::{parse, run_tests};

#[test]
fn every_case_file_passes_its_conversation_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "expected the case files in {dir:?}");
    let mut problems = Vec::new();
    let mut total = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        let source = std::fs::read_to_string(path).unwrap();
        let scenario = match parse(&source) {
            Ok(s) => s,
            Err(diags) => {
                for d in diags {
                    problems.push(format!("{name}:{d}"));
                }
                continue;
            }
        };
        for w in scenario.warnings() {
            problems.push(format!("{name}: warning {w}"));
        }
        let outcomes = run_tests(&scenario);
        assert!(!outcomes.is_empty(), "{name} has no tests");
        total += outcomes.len();
        for o in outcomes.iter().filter(|o| !o.passed) {
            problems.push(format!("{name}: {}: {}", o.name, o.failures.join("; ")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(total >= 40, "only {total} conversation tests ran");
}
