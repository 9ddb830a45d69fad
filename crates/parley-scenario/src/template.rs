//! Templates: minijinja texts compiled at load time and rendered against the dialog's variables.

use minijinja::{Environment, UndefinedBehavior};

use crate::{Map, Value};

/// How much work one render may do (minijinja fuel), so a template cannot hang a dialog.
const FUEL: u64 = 100_000;

/// A compiled text: plain when it has no template syntax at all.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tpl {
    Plain(String),
    Jinja(String),
}

/// A templated JSON value (webhook bodies, custom params): strings inside are templates,
/// and a string that is a single `{{ expression }}` keeps the expression's JSON type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueTpl {
    Literal(Value),
    Text(Tpl),
    Expr(String),
    List(Vec<ValueTpl>),
    Object(Vec<(String, ValueTpl)>),
}

/// Every template of one scenario, compiled into one environment.
#[derive(Debug, Clone)]
pub(crate) struct Templates {
    env: Environment<'static>,
    count: usize,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_fuel(Some(FUEL));
        env.set_recursion_limit(50);
        Self { env, count: 0 }
    }

    /// Compiles a text; the error is a message for a diagnostic.
    pub fn compile(&mut self, source: &str) -> Result<Tpl, String> {
        if !source.contains("{{") && !source.contains("{%") && !source.contains("{#") {
            return Ok(Tpl::Plain(source.to_owned()));
        }
        self.count += 1;
        let name = format!("t{}", self.count);
        self.env
            .add_template_owned(name.clone(), source.to_owned())
            .map_err(|e| describe(&e))?;
        Ok(Tpl::Jinja(name))
    }

    /// Compiles a JSON-ish value whose strings are templates.
    pub fn compile_value(&mut self, value: &Value) -> Result<ValueTpl, String> {
        Ok(match value {
            Value::String(s) => match single_expression(s) {
                Some(expr) => {
                    self.env
                        .compile_expression(expr)
                        .map_err(|e| describe(&e))?;
                    ValueTpl::Expr(expr.to_owned())
                }
                None => ValueTpl::Text(self.compile(s)?),
            },
            Value::Array(items) => ValueTpl::List(
                items
                    .iter()
                    .map(|v| self.compile_value(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => ValueTpl::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.compile_value(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => ValueTpl::Literal(other.clone()),
        })
    }

    /// Renders a text against a context built by [`context`].
    pub fn render(&self, tpl: &Tpl, ctx: &minijinja::Value) -> Result<String, String> {
        match tpl {
            Tpl::Plain(text) => Ok(text.clone()),
            Tpl::Jinja(name) => {
                let template = self.env.get_template(name).map_err(|e| describe(&e))?;
                template.render(ctx).map_err(|e| describe(&e))
            }
        }
    }

    /// Renders a templated value into JSON.
    pub fn render_value(&self, tpl: &ValueTpl, ctx: &minijinja::Value) -> Result<Value, String> {
        Ok(match tpl {
            ValueTpl::Literal(v) => v.clone(),
            ValueTpl::Text(t) => Value::String(self.render(t, ctx)?),
            ValueTpl::Expr(source) => {
                let expr = self
                    .env
                    .compile_expression(source)
                    .map_err(|e| describe(&e))?;
                let value = expr.eval(ctx).map_err(|e| describe(&e))?;
                if value.is_undefined() {
                    Value::Null
                } else {
                    serde_json::to_value(&value).map_err(|e| e.to_string())?
                }
            }
            ValueTpl::List(items) => Value::Array(
                items
                    .iter()
                    .map(|t| self.render_value(t, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            ValueTpl::Object(entries) => {
                let mut map = Map::new();
                for (k, t) in entries {
                    map.insert(k.clone(), self.render_value(t, ctx)?);
                }
                Value::Object(map)
            }
        })
    }
}

/// The template context: the dialog's variables plus `now` and `today`. Null
/// variables are left out, so they behave like unset ones (render empty, take `default`).
pub(crate) fn context(
    vars: &Map<String, Value>,
    builtins: &Map<String, Value>,
) -> minijinja::Value {
    let mut all: Map<String, Value> = vars
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in builtins {
        all.entry(k.clone()).or_insert_with(|| v.clone());
    }
    minijinja::Value::from(minijinja::value::Serde(all))
}

/// `{{ expr }}` alone (nothing around it) → `expr`.
fn single_expression(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") || inner.contains("{%") {
        return None;
    }
    Some(inner.trim())
}

/// A minijinja error as one readable sentence, without the internal template name.
fn describe(e: &minijinja::Error) -> String {
    let what = match e.kind() {
        minijinja::ErrorKind::SyntaxError => "syntax error".to_owned(),
        minijinja::ErrorKind::OutOfFuel => {
            "the template did too much work (loop too long)".to_owned()
        }
        kind => kind.to_string(),
    };
    let mut msg = match e.detail() {
        Some(detail) => format!("{what}: {detail}"),
        None => what,
    };
    if let Some(line) = e.line()
        && line > 1
    {
        msg.push_str(&format!(" (line {line} of the template)"));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(v: Value) -> minijinja::Value {
        let Value::Object(map) = v else { panic!() };
        context(&map, &Map::new())
    }

    #[test]
    fn renders_variables_and_undefined_as_empty() {
        let mut t = Templates::new();
        let tpl = t.compile("Hi {{ name }}{{ missing.deep }}!").unwrap();
        assert_eq!(
            t.render(&tpl, &ctx(json!({"name": "Ann"}))).unwrap(),
            "Hi Ann!"
        );
        assert_eq!(t.compile("plain").unwrap(), Tpl::Plain("plain".into()));
        let tpl = t
            .compile("[{{ gone }}][{{ gone | default('x') }}]")
            .unwrap();
        assert_eq!(
            t.render(&tpl, &ctx(json!({"gone": null}))).unwrap(),
            "[][x]"
        );
    }

    #[test]
    fn syntax_errors_are_reported_at_compile_time() {
        let mut t = Templates::new();
        let err = t.compile("Hi {{ name ").unwrap_err();
        assert!(err.starts_with("syntax error"), "{err}");
        assert!(t.compile_value(&json!({"a": "{{ 1 + }}"})).is_err());
    }

    #[test]
    fn runtime_errors_and_fuel() {
        let mut t = Templates::new();
        let tpl = t
            .compile("{{ name | nosuchfilter }}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(t.render(&tpl, &ctx(json!({"name": 1}))).is_err());
        let tpl = t
            .compile(
                "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}",
            )
            .unwrap();
        let err = t.render(&tpl, &ctx(json!({}))).unwrap_err();
        assert!(err.contains("too much work"), "{err}");
    }

    #[test]
    fn values_keep_types_for_single_expressions() {
        let mut t = Templates::new();
        let tpl = t
            .compile_value(
                &json!({"n": "{{ count }}", "s": "id-{{ count }}", "k": [true, "{{ nope }}"]}),
            )
            .unwrap();
        let out = t.render_value(&tpl, &ctx(json!({"count": 3}))).unwrap();
        assert_eq!(out, json!({"n": 3, "s": "id-3", "k": [true, null]}));
    }
}
