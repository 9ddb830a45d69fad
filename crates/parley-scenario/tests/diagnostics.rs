//! Validation tests: every `tests/invalid/*.yaml` document is rejected, and its full list of diagnostics is snapshotted.

use std::path::Path;

use parley_scenario::parse;

#[test]
fn every_invalid_document_is_rejected_with_all_its_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "expected the invalid documents in {dir:?}"
    );
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&path).unwrap();
        let diags = match parse(&source) {
            Ok(_) => panic!("{name}.yaml was accepted"),
            Err(d) => d,
        };
        for d in &diags {
            assert!(
                d.line >= 1 && d.column >= 1,
                "{name}: position not 1-based: {d}"
            );
            assert!(
                d.line <= source.lines().count().max(1),
                "{name}: line past the end: {d}"
            );
        }
        let sorted = diags
            .windows(2)
            .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column));
        assert!(sorted, "{name}: diagnostics are not sorted by position");
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!(name, text.join("\n"));
    }
}
