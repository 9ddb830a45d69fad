//! Call recordings for the simulated line: each utterance of the transcript spoken by `espeak-ng`
//! at its place on the call's timeline, mixed into one mono 16-bit WAV file.
//!
//! Without the program (or when it fails) every utterance becomes a tone of its length, a
//! different pitch per speaker, so the recording keeps its shape; the first such fallback is
//! logged once with what to install. Keypad presses (`DTMF 5`) are always real DTMF tones.

mod audio;
mod espeak;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use parley_domain::call::{Speaker, Utterance};
use parley_domain::ids::Uuid;
use parley_domain::line::{Recorder, Recording};
use parley_domain::{Error, Result};
use tokio::sync::Semaphore;

use espeak::SpeakError;

/// The output's sample rate (telephone quality).
pub const SAMPLE_RATE: u32 = 8_000;
/// Recordings are cut at this length.
pub const MAX_RECORDING: Duration = Duration::from_secs(3600);

/// Renders call recordings, speaking with `espeak-ng` when it is installed.
#[derive(Debug)]
pub struct SpeechRecorder {
    program: PathBuf,
    timeout: Duration,
    permits: Arc<Semaphore>,
    /// The program was not found: do not try again.
    missing: AtomicBool,
    /// A fallback was already logged.
    warned: AtomicBool,
}

impl Default for SpeechRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl SpeechRecorder {
    /// Speaks with `espeak-ng` from `PATH`, two programs at a time, 10 s each at most.
    pub fn new() -> Self {
        Self::with_program("espeak-ng")
    }

    /// Speaks with the espeak-ng compatible program at `program` (a path that does not exist
    /// gives the tone fallback).
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            timeout: Duration::from_secs(10),
            permits: Arc::new(Semaphore::new(2)),
            missing: AtomicBool::new(false),
            warned: AtomicBool::new(false),
        }
    }

    /// How many programs run at once, across every recording (at least 1).
    #[must_use]
    pub fn with_concurrency(mut self, programs: usize) -> Self {
        self.permits = Arc::new(Semaphore::new(programs.max(1)));
        self
    }

    /// How long one utterance may take to speak before its tone is used instead.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The audio of one utterance, `limit` samples at most.
    async fn utterance(&self, utterance: &Utterance, limit: usize) -> Vec<i16> {
        if utterance.speaker == Speaker::Human
            && let Some(digits) = utterance.text.strip_prefix("DTMF ")
        {
            return audio::dtmf(digits.trim(), SAMPLE_RATE);
        }
        let spoken = if self.missing.load(Ordering::Relaxed) {
            None
        } else {
            match self.speak(utterance, limit).await {
                Ok(samples) => Some(samples),
                Err(error) => {
                    self.fallen_back(&error);
                    None
                }
            }
        };
        spoken.unwrap_or_else(|| {
            let frequency = match utterance.speaker {
                Speaker::Bot => 440.0,
                Speaker::Human => 660.0,
                Speaker::Operator => 330.0,
            };
            audio::tone(frequency, limit, SAMPLE_RATE)
        })
    }

    /// The utterance spoken, fitted into `limit` samples: speech a little longer is sped up (up
    /// to 1.4 times), longer still is cut by `mix`.
    async fn speak(&self, utterance: &Utterance, limit: usize) -> Result<Vec<i16>, SpeakError> {
        let text = utterance.text.trim_matches(|c: char| c == '[' || c == ']');
        // The semaphore is never closed.
        let _permit = self.permits.acquire().await.ok();
        let pcm = espeak::speak(
            &self.program,
            utterance.speaker,
            text,
            utterance.duration_ms,
            self.timeout,
        )
        .await?;
        let speech = audio::trim(&pcm.samples);
        let at_output_rate = speech.len() as f64 * f64::from(SAMPLE_RATE) / f64::from(pcm.rate);
        let speed_up = (at_output_rate / limit.max(1) as f64).clamp(1.0, 1.4);
        Ok(audio::resample_from(
            speech,
            f64::from(pcm.rate) * speed_up,
            SAMPLE_RATE,
        ))
    }

    fn fallen_back(&self, error: &SpeakError) {
        if matches!(error, SpeakError::Missing(_)) {
            self.missing.store(true, Ordering::Relaxed);
        }
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                %error,
                "call recordings use tones instead of speech; install espeak-ng \
                 (`apt-get install espeak-ng`) for spoken recordings"
            );
        } else {
            tracing::debug!(%error, "an utterance is a tone in its recording");
        }
    }
}

/// Milliseconds to samples at the output rate.
fn samples(ms: u64) -> usize {
    usize::try_from(ms.saturating_mul(u64::from(SAMPLE_RATE)) / 1000).unwrap_or(usize::MAX)
}

#[async_trait]
impl Recorder for SpeechRecorder {
    async fn render(
        &self,
        call_uuid: Uuid,
        transcript: &[Utterance],
        talk: Duration,
    ) -> Result<Recording> {
        let talk_ms = u64::try_from(talk.min(MAX_RECORDING).as_millis()).unwrap_or(u64::MAX);
        let mut track = vec![0i16; samples(talk_ms)];
        for utterance in transcript {
            let at = samples(utterance.at_ms);
            if at >= track.len() || utterance.duration_ms == 0 {
                continue;
            }
            let limit = samples(utterance.duration_ms).min(track.len() - at);
            let clip = self.utterance(utterance, limit).await;
            audio::mix(&mut track, at, &clip, limit, SAMPLE_RATE);
        }
        let bytes = audio::write_wav(&track, SAMPLE_RATE)
            .map_err(|error| Error::internal("cannot render the call's recording", error))?;
        Ok(Recording {
            file_name: format!("{call_uuid}.wav"),
            content_type: "audio/wav".to_owned(),
            bytes,
        })
    }
}
