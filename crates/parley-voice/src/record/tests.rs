//! Tests of the recordings: the WAV's shape with espeak-ng and with the tone fallback.

use std::io::Cursor;
use std::time::Duration;

use parley_domain::call::{Speaker, Utterance};
use parley_domain::ids::Uuid;
use parley_domain::line::Recorder;

use super::audio::{self, Pcm};
use super::*;

fn utterance(speaker: Speaker, text: &str, at_ms: u64, duration_ms: u64) -> Utterance {
    Utterance {
        speaker,
        text: text.into(),
        at_ms,
        duration_ms,
    }
}

fn transcript() -> Vec<Utterance> {
    vec![
        utterance(Speaker::Human, "Алло?", 0, 500),
        utterance(
            Speaker::Bot,
            "Здравствуйте! Вам удобно сейчас говорить?",
            900,
            2_900,
        ),
        utterance(Speaker::Human, "Да, конечно", 4_800, 800),
        utterance(Speaker::Human, "DTMF 5", 6_500, 250),
        utterance(Speaker::Bot, "Thank you, goodbye!", 7_200, 1_400),
        // Past the end of the call: cut off.
        utterance(Speaker::Operator, "[operator conversation]", 8_900, 5_000),
    ]
}

const TALK: Duration = Duration::from_millis(9_500);

/// The samples of a rendered recording, checked to be 8 kHz mono 16-bit.
fn samples(bytes: &[u8]) -> Vec<i16> {
    let reader = hound::WavReader::new(Cursor::new(bytes)).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 8_000, 16)
    );
    reader.into_samples::<i16>().map(Result::unwrap).collect()
}

/// Whether anything sounds between `from_ms` and `to_ms`.
fn sounds(samples: &[i16], from_ms: u64, to_ms: u64) -> bool {
    let (from, to) = (from_ms as usize * 8, to_ms as usize * 8);
    samples[from..to].iter().any(|s| s.unsigned_abs() > 500)
}

/// Every utterance sounds within its place and the gaps between them are quiet.
fn check_shape(samples: &[i16]) {
    assert_eq!(
        samples.len(),
        9_500 * 8,
        "the recording is as long as the call"
    );
    for u in transcript() {
        let end = (u.at_ms + u.duration_ms).min(9_500);
        assert!(sounds(samples, u.at_ms, end), "`{}` is silent", u.text);
    }
    for (from, to) in [(500, 900), (3_800, 4_800), (5_600, 6_500), (6_750, 7_200)] {
        assert!(
            !sounds(samples, from, to),
            "{from}..{to} ms should be quiet"
        );
    }
}

fn espeak_installed() -> bool {
    std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

#[tokio::test]
async fn without_espeak_every_utterance_is_a_tone_per_speaker() {
    let recorder = SpeechRecorder::with_program("/nonexistent/espeak-ng");
    let call = Uuid::from_u128(7);
    let recording = recorder.render(call, &transcript(), TALK).await.unwrap();
    assert_eq!(recording.file_name, format!("{call}.wav"));
    assert_eq!(recording.content_type, "audio/wav");
    let samples = samples(&recording.bytes);
    check_shape(&samples);
    // The bot's tone and the callee's differ in pitch: count zero crossings in 500 ms of each.
    let crossings = |from_ms: usize| {
        samples[from_ms * 8..(from_ms + 500) * 8]
            .windows(2)
            .filter(|w| (w[0] < 0) != (w[1] < 0))
            .count()
    };
    let (bot, human) = (crossings(1_000), crossings(4_900));
    assert!(
        (400..480).contains(&bot),
        "a 440 Hz tone crosses ~440 times: {bot}"
    );
    assert!(
        (620..700).contains(&human),
        "a 660 Hz tone crosses ~660 times: {human}"
    );
    assert!(recorder.missing.load(Ordering::Relaxed));
}

#[tokio::test]
async fn a_failing_program_falls_back_to_tones() {
    let failing = SpeechRecorder::with_program("false");
    let tones = SpeechRecorder::with_program("/nonexistent/espeak-ng");
    let call = Uuid::from_u128(8);
    let failed = failing.render(call, &transcript(), TALK).await.unwrap();
    let expected = tones.render(call, &transcript(), TALK).await.unwrap();
    assert_eq!(failed, expected);
}

#[tokio::test]
async fn with_espeak_utterances_are_spoken() {
    let recorder = SpeechRecorder::new();
    let call = Uuid::from_u128(9);
    let recording = recorder.render(call, &transcript(), TALK).await.unwrap();
    check_shape(&samples(&recording.bytes));
    let tones = SpeechRecorder::with_program("/nonexistent/espeak-ng")
        .render(call, &transcript(), TALK)
        .await
        .unwrap();
    // Where the program is missing this checks the fallback instead, as that is what runs.
    assert_eq!(
        recording != tones,
        espeak_installed(),
        "speech unless espeak-ng is missing"
    );
}

#[tokio::test]
async fn an_empty_call_is_a_valid_empty_recording() {
    let recorder = SpeechRecorder::with_program("/nonexistent/espeak-ng");
    let recording = recorder
        .render(Uuid::from_u128(1), &[], Duration::ZERO)
        .await
        .unwrap();
    assert!(samples(&recording.bytes).is_empty());
}

#[test]
fn streamed_wav_output_is_read_to_its_end() {
    // espeak-ng --stdout declares a huge data size it never writes.
    let mut bytes = audio::write_wav(&[1, -2, 3], 22_050).unwrap();
    let data_size = bytes.len() - 4;
    bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
    bytes[4..8].copy_from_slice(&0x7fff_f024u32.to_le_bytes());
    let pcm = audio::read_wav(&bytes).unwrap();
    assert_eq!(
        pcm,
        Pcm {
            rate: 22_050,
            samples: vec![1, -2, 3]
        }
    );
    assert!(data_size > 40);
    assert!(audio::read_wav(b"RIFF....WAVEjunk").is_err());
    assert!(audio::read_wav(b"not a wav").is_err());
}

#[test]
fn resampling_keeps_the_length_in_time() {
    let second = audio::tone(300.0, 22_050, 22_050);
    let out = audio::resample_from(&second, 22_050.0, 8_000);
    assert!((7_999..=8_000).contains(&out.len()), "{}", out.len());
    let crossings = out.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    assert!(
        (590..=610).contains(&crossings),
        "300 Hz stays 300 Hz: {crossings}"
    );
}

#[test]
fn trimming_drops_quiet_ends_only() {
    assert_eq!(audio::trim(&[0, 5, 900, 0, -700, 3, 0]), &[900, 0, -700]);
    assert!(audio::trim(&[0, 1, -1]).is_empty());
    let sped_up = audio::resample_from(&[100; 1_400], 1_000.0 * 1.4, 1_000);
    assert_eq!(
        sped_up.len(),
        1_000,
        "1.4 s of audio played 1.4 times faster"
    );
}

#[test]
fn dtmf_keys_are_a_quarter_second_each() {
    assert_eq!(audio::dtmf("12#", 8_000).len(), 3 * 2_000);
    assert!(audio::dtmf("5", 8_000).iter().any(|s| *s != 0));
}

#[test]
fn voices_follow_the_speaker_and_the_script() {
    assert_eq!(espeak::voice(Speaker::Bot, "Здравствуйте"), "ru+f3");
    assert_eq!(espeak::voice(Speaker::Human, "hello"), "en+m3");
    assert_ne!(
        espeak::voice(Speaker::Operator, "hi"),
        espeak::voice(Speaker::Bot, "hi")
    );
    // 14 characters a second, the simulated line's pace, is about 154 words a minute.
    assert_eq!(espeak::words_per_minute("Спасибо, пока!", 1_000), 154);
    assert_eq!(espeak::words_per_minute("one", 60_000), 80);
}
