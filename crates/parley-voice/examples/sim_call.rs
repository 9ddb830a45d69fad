//! One simulated call with the built-in personas, its transcript printed and its recording
//! written: `cargo run -p parley-voice --example sim_call [persona] [out.wav] [call number]`.

use std::time::Duration;

use parley_domain::dialer::PhoneNumber;
use parley_domain::ids::{AgentId, CompanyId, Uuid};
use parley_domain::line::{DialRequest, Dialed, Heard, Line, Recorder};
use parley_voice::{Personas, SimLine, SpeechRecorder, TimeScale};

/// The demo survey's prompts, in the order a satisfied callee hears them.
const PROMPTS: [&str; 4] = [
    "Здравствуйте, Анна! Это служба качества компании «Пример». Вам удобно сейчас говорить пару минут?",
    "Оцените, пожалуйста, качество нашего обслуживания по шкале от одного до пяти, где пять — отлично. Можно назвать цифру или нажать её на телефоне.",
    "Жаль это слышать. Подскажите, что нам стоит улучшить?",
    "Спасибо за ваши ответы! Всего доброго, до свидания.",
];

#[expect(clippy::print_stdout, reason = "an example prints the call")]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let persona = args.next().unwrap_or_else(|| "cooperative".into());
    let out = args.next().unwrap_or_else(|| "call.wav".into());
    let call: u128 = args.next().map_or(Ok(1), |n| n.parse())?;
    let line = SimLine::new(Personas::builtin(), TimeScale::INSTANT, 1);
    let mut variables = parley_scenario::Variables::new();
    variables.insert("persona".into(), persona.into());
    let call_uuid = Uuid::from_u128(call);
    let request = DialRequest {
        call_uuid,
        company_id: CompanyId(1),
        agent_id: AgentId(1),
        to: PhoneNumber::parse("+79161234567")?,
        variables,
        attempt: 1,
    };
    let (mut leg, responder, ring) = match line.dial(request).await? {
        Dialed::NotConnected { outcome, ring } => {
            println!("{} after {ring:?} of ringing", outcome.twin24_status());
            return Ok(());
        }
        Dialed::Answered {
            leg,
            responder,
            ring,
        } => (leg, responder, ring),
    };
    println!("{} after {ring:?} of ringing", responder.as_str());
    for prompt in PROMPTS {
        if !leg.say(prompt).await? {
            break;
        }
        if leg.listen(Duration::from_secs(5)).await? == Heard::HungUp {
            break;
        }
    }
    let report = leg.hang_up().await?;
    for u in &report.transcript {
        println!(
            "{:>7} ms +{:>5} {:<8} {}",
            u.at_ms,
            u.duration_ms,
            u.speaker.as_str(),
            u.text
        );
    }
    println!("talk {:?}", report.talk);
    let recording = SpeechRecorder::new()
        .render(call_uuid, &report.transcript, report.talk)
        .await?;
    std::fs::write(&out, &recording.bytes)?;
    println!("{out}: {} bytes", recording.bytes.len());
    Ok(())
}
