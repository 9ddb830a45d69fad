//! How many simulated calls a second the line places and talks through at time scale 0.
//!
//! `cargo run --release -p parley-voice --example sim_throughput [calls]`; the figure belongs in
//! docs/PERFORMANCE.md, never in a test.

use std::time::{Duration, Instant};

use parley_domain::dialer::PhoneNumber;
use parley_domain::ids::{AgentId, CompanyId, Uuid};
use parley_domain::line::{DialRequest, Dialed, Heard, Line};
use parley_voice::{Personas, SimLine, TimeScale};

const PROMPTS: [&str; 3] = [
    "Здравствуйте, Анна! Это служба качества компании «Пример». Вам удобно сейчас говорить пару минут?",
    "Оцените, пожалуйста, качество нашего обслуживания по шкале от одного до пяти.",
    "Жаль это слышать. Подскажите, что нам стоит улучшить?",
];

#[expect(clippy::print_stdout, reason = "an example prints its figures")]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls: u128 = std::env::args().nth(1).map_or(Ok(50_000), |n| n.parse())?;
    let line = SimLine::new(Personas::builtin(), TimeScale::INSTANT, 1);
    let to = PhoneNumber::parse("+79161234567")?;
    let started = Instant::now();
    let (mut answered, mut talk) = (0u64, Duration::ZERO);
    for call in 0..calls {
        let request = DialRequest {
            call_uuid: Uuid::from_u128(call),
            company_id: CompanyId(1),
            agent_id: AgentId(1),
            to: to.clone(),
            variables: Default::default(),
            attempt: 1,
        };
        if let Dialed::Answered { mut leg, .. } = line.dial(request).await? {
            answered += 1;
            for prompt in PROMPTS {
                if !leg.say(prompt).await?
                    || leg.listen(Duration::from_secs(5)).await? == Heard::HungUp
                {
                    break;
                }
            }
            talk += leg.hang_up().await?.talk;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{calls} calls ({answered} answered, {:.0} h of simulated talk) in {elapsed:.2?}: {:.0} calls/s on one thread",
        talk.as_secs_f64() / 3600.0,
        calls as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
