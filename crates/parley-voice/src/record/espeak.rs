//! Speaking one utterance with the `espeak-ng` program: voice by speaker and script, speed fit
//! to the utterance's length, text passed as one argument after `--` (never through a shell).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use parley_domain::call::Speaker;
use tokio::process::Command;

use super::audio::{self, AudioError, Pcm};

/// The longest text handed to the program (the recording cuts speech at the utterance's end).
const MAX_CHARS: usize = 2000;

/// Why speaking an utterance failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SpeakError {
    /// The program is not installed (or not at the given path).
    #[error("`{0}` was not found")]
    Missing(String),
    /// Starting or waiting for it failed.
    #[error("running `{program}` failed: {source}")]
    Run {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// It ran longer than allowed.
    #[error("`{0}` did not finish within {1:?}")]
    Timeout(String, Duration),
    /// It exited with an error.
    #[error("`{program}` exited with {status}: {stderr}")]
    Failed {
        program: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    /// Its output was not a WAV file.
    #[error("`{0}` printed no usable audio: {1}")]
    Output(String, #[source] AudioError),
}

/// The espeak-ng voice for `speaker` saying `text`: Russian for Cyrillic text, else English; the
/// bot and the operator are female voices, the callee a male one.
pub(crate) fn voice(speaker: Speaker, text: &str) -> String {
    let cyrillic = text.chars().any(|c| matches!(c, '\u{0400}'..='\u{04FF}'));
    let language = if cyrillic { "ru" } else { "en" };
    let variant = match speaker {
        Speaker::Bot => "f3",
        Speaker::Human => "m3",
        Speaker::Operator => "f5",
    };
    format!("{language}+{variant}")
}

/// espeak-ng's speed (`-s`, words per minute) that fits `text` into `duration_ms`: it speaks
/// about one character a second for every 11 words per minute, Russian and English alike.
pub(crate) fn words_per_minute(text: &str, duration_ms: u64) -> u32 {
    let chars = text.chars().count().max(1) as f64;
    let per_second = chars * 1000.0 / duration_ms.max(1) as f64;
    // Clamped to what still sounds like speech before the cast.
    (per_second * 11.0).clamp(80.0, 400.0) as u32
}

/// Speaks `text` with the program at `program` and returns the audio at the program's rate.
pub(crate) async fn speak(
    program: &Path,
    speaker: Speaker,
    text: &str,
    duration_ms: u64,
    timeout: Duration,
) -> Result<Pcm, SpeakError> {
    let name = program.display().to_string();
    let text: String = text
        .chars()
        .filter(|c| *c != '\0')
        .take(MAX_CHARS)
        .collect();
    let child = Command::new(program)
        .arg("--stdout")
        .args(["-b", "1"]) // the text is UTF-8
        .args(["-v", &voice(speaker, &text)])
        .args(["-s", &words_per_minute(&text, duration_ms).to_string()])
        .arg("--")
        .arg(&text)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                SpeakError::Missing(name.clone())
            } else {
                SpeakError::Run {
                    program: name.clone(),
                    source,
                }
            }
        })?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| SpeakError::Timeout(name.clone(), timeout))?
        .map_err(|source| SpeakError::Run {
            program: name.clone(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(SpeakError::Failed {
            program: name,
            status: output.status,
            stderr: stderr.chars().take(300).collect(),
        });
    }
    audio::read_wav(&output.stdout).map_err(|error| SpeakError::Output(name, error))
}
