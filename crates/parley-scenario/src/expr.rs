//! Expressions: rhai scripts compiled at load time and run sandboxed with operation limits.

use rhai::{AST, Dynamic, Engine, EvalAltResult, Scope};

use crate::util::is_identifier;
use crate::{Map, Value};

/// How many operations one expression may perform.
pub(crate) const MAX_OPERATIONS: u64 = 100_000;

/// A compiled expression with its source (for messages).
#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub ast: AST,
}

impl PartialEq for Script {
    fn eq(&self, other: &Self) -> bool {
        self.ast.source() == other.ast.source()
    }
}

/// The sandboxed engine every expression of a scenario runs in.
pub(crate) fn engine() -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(32)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(64 * 1024)
        .set_max_array_size(10_000)
        .set_max_map_size(10_000)
        .set_max_variables(1_000)
        .set_max_functions(100)
        .set_max_modules(0);
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.disable_symbol("eval");
    engine
}

/// Compiles a script; the error is a message for a diagnostic.
pub(crate) fn compile(engine: &Engine, source: &str) -> Result<Script, String> {
    let ast = engine
        .compile(source)
        .map_err(|e| format!("expression syntax error: {e}"))?;
    Ok(Script { ast })
}

/// Runs a script with the variables in scope. Names in `known` that have no
/// value are in scope as `()`, so a scenario can test `if x == () { … }`.
pub(crate) fn eval<'a>(
    engine: &Engine,
    script: &Script,
    vars: &Map<String, Value>,
    builtins: &Map<String, Value>,
    known: impl IntoIterator<Item = &'a str>,
) -> Result<Value, String> {
    let mut scope = Scope::new();
    for (name, value) in vars.iter().chain(builtins.iter()) {
        if is_identifier(name) && !scope.contains(name) {
            let value = rhai::serde::to_dynamic(value).map_err(|e| e.to_string())?;
            scope.push_dynamic(name.clone(), value);
        }
    }
    for name in known {
        if is_identifier(name) && !scope.contains(name) {
            scope.push_dynamic(name.to_owned(), Dynamic::UNIT);
        }
    }
    let result = engine
        .eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast)
        .map_err(|e| describe(&e))?;
    to_json(result)
}

/// A rhai value as JSON (`()` is null).
fn to_json(value: Dynamic) -> Result<Value, String> {
    if value.is_unit() {
        return Ok(Value::Null);
    }
    rhai::serde::from_dynamic::<Value>(&value)
        .map_err(|e| format!("the expression's value cannot be stored: {e}"))
}

fn describe(e: &EvalAltResult) -> String {
    match e {
        EvalAltResult::ErrorTooManyOperations(_) => format!(
            "expression stopped after {MAX_OPERATIONS} operations (the limit); look for an endless loop"
        ),
        other => format!("expression failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(src: &str, vars: Value) -> Result<Value, String> {
        let engine = engine();
        let script = compile(&engine, src)?;
        let Value::Object(vars) = vars else { panic!() };
        eval(&engine, &script, &vars, &Map::new(), ["unset"])
    }

    #[test]
    fn evaluates_with_variables() {
        assert_eq!(run("rating * 2", json!({"rating": 4})).unwrap(), json!(8));
        assert_eq!(
            run("name + \"!\"", json!({"name": "Ann"})).unwrap(),
            json!("Ann!")
        );
        assert_eq!(run("unset == ()", json!({})).unwrap(), json!(true));
        assert_eq!(
            run("#{a: [1, 2]}", json!({})).unwrap(),
            json!({"a": [1, 2]})
        );
        assert_eq!(run("let x = 1; x + 1", json!({})).unwrap(), json!(2));
    }

    #[test]
    fn endless_loops_hit_the_limit() {
        let err = run("let x = 0; loop { x += 1; }", json!({})).unwrap_err();
        assert!(err.contains("100000 operations"), "{err}");
    }

    #[test]
    fn errors_are_messages() {
        assert!(
            run("nosuch + 1", json!({}))
                .unwrap_err()
                .starts_with("expression failed")
        );
        assert!(
            run("1 +", json!({}))
                .unwrap_err()
                .starts_with("expression syntax error")
        );
        assert!(run("eval(\"1\")", json!({})).is_err());
    }
}
