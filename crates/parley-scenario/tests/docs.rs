//! The complete example in docs/scenarios.md loads cleanly and passes its own conversation tests.

use parley_scenario::{parse, run_tests};

const DOC: &str = include_str!("../../../docs/scenarios.md");

/// Every fenced YAML block of the page that is a whole scenario.
fn scenarios() -> Vec<&'static str> {
    DOC.split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("\n```").next())
        .filter(|block| block.starts_with("format: parley.scenario/v1"))
        .collect()
}

#[test]
fn the_documented_example_runs() {
    let examples = scenarios();
    assert_eq!(
        examples.len(),
        1,
        "expected one complete example in docs/scenarios.md"
    );
    for source in examples {
        let scenario = parse(source).unwrap_or_else(|d| panic!("{d:?}"));
        assert!(scenario.warnings().is_empty(), "{:?}", scenario.warnings());
        let outcomes = run_tests(&scenario);
        assert_eq!(outcomes.len(), 3);
        for o in outcomes {
            assert!(o.passed, "{}: {:?}", o.name, o.failures);
        }
    }
}
