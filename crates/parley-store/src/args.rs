//! Values bound into SQL built at run time (list filters), and `bind_args!`, which binds them in
//! order inside `on_db!` so the query stays typed for each backend.

use parley_domain::ids::Uuid;

use crate::time::Ts;

/// One value of a dynamically built query, bound to its `$n` placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Bool(bool),
    Text(String),
    Uuid(Uuid),
    Time(Ts),
}

/// Binds every `Arg` of `$args` (an iterator of `&Arg`) to `$query`, in order.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::args::Arg::Int(v) => query.bind(*v),
                $crate::args::Arg::Bool(v) => query.bind(*v),
                $crate::args::Arg::Text(v) => query.bind(v.clone()),
                $crate::args::Arg::Uuid(v) => query.bind(*v),
                $crate::args::Arg::Time(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(crate) use bind_args;
