//! Plain audio work for recordings: reading espeak-ng's WAV output, resampling, tones, DTMF
//! and writing the mixed call as a WAV file.

use std::f64::consts::TAU;
use std::io::Cursor;

/// A problem with audio bytes.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AudioError {
    /// Not a RIFF/WAVE file, or one this module does not read.
    #[error("unreadable WAV: {0}")]
    Wav(&'static str),
    /// Writing the WAV failed.
    #[error("cannot write WAV: {0}")]
    Write(#[from] hound::Error),
}

/// Mono 16-bit PCM samples at a rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pcm {
    pub(crate) rate: u32,
    pub(crate) samples: Vec<i16>,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Reads a mono 16-bit PCM WAV. A `data` chunk whose declared size runs past the end (espeak-ng
/// streams to stdout with a placeholder size) is read to the end of the bytes.
pub(crate) fn read_wav(bytes: &[u8]) -> Result<Pcm, AudioError> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(AudioError::Wav("no RIFF/WAVE header"));
    }
    let mut at = 12;
    let mut rate = None;
    while let (Some(id), Some(size)) = (bytes.get(at..at + 4), u32_at(bytes, at + 4)) {
        let body = at + 8;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        match id {
            b"fmt " => {
                let format = u16_at(bytes, body).ok_or(AudioError::Wav("short fmt chunk"))?;
                let channels = u16_at(bytes, body + 2).ok_or(AudioError::Wav("short fmt chunk"))?;
                let bits = u16_at(bytes, body + 14).ok_or(AudioError::Wav("short fmt chunk"))?;
                if format != 1 || channels != 1 || bits != 16 {
                    return Err(AudioError::Wav("not mono 16-bit PCM"));
                }
                rate = u32_at(bytes, body + 4);
            }
            b"data" => {
                let rate = rate.ok_or(AudioError::Wav("data before fmt"))?;
                let end = body.saturating_add(size).min(bytes.len());
                let data = bytes.get(body..end).unwrap_or_default();
                let samples = data
                    .chunks_exact(2)
                    .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
                    .collect();
                return Ok(Pcm { rate, samples });
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        at = body.saturating_add(size).saturating_add(size & 1);
    }
    Err(AudioError::Wav("no data chunk"))
}

/// Trims near-silence from both ends.
pub(crate) fn trim(samples: &[i16]) -> &[i16] {
    let loud = |s: &i16| s.unsigned_abs() > 200;
    let start = samples.iter().position(loud).unwrap_or(samples.len());
    let end = samples.iter().rposition(loud).map_or(start, |i| i + 1);
    &samples[start..end]
}

/// Resamples `src`, taken to be at `from` samples a second (a higher `from` than the real rate
/// speeds the audio up), to `rate`: a short moving average against aliasing, then linear
/// interpolation.
pub(crate) fn resample_from(src: &[i16], from: f64, rate: u32) -> Vec<i16> {
    if src.is_empty() || !(from.is_finite() && from > 0.0) {
        return Vec::new();
    }
    if from == f64::from(rate) {
        return src.to_vec();
    }
    let smoothed: Vec<f64> = if from > f64::from(rate) {
        (0..src.len())
            .map(|i| {
                let a = f64::from(src[i.saturating_sub(1)]);
                let b = f64::from(src[i]);
                let c = f64::from(src[(i + 1).min(src.len() - 1)]);
                (a + 2.0 * b + c) / 4.0
            })
            .collect()
    } else {
        src.iter().map(|s| f64::from(*s)).collect()
    };
    let step = from / f64::from(rate);
    let out_len = (smoothed.len() as f64 / step).floor() as usize;
    (0..out_len)
        .map(|i| {
            let pos = i as f64 * step;
            let k = pos.floor() as usize;
            let frac = pos - k as f64;
            let a = smoothed[k.min(smoothed.len() - 1)];
            let b = smoothed[(k + 1).min(smoothed.len() - 1)];
            to_i16(a + (b - a) * frac)
        })
        .collect()
}

fn to_i16(value: f64) -> i16 {
    // Clamped to the i16 range first.
    value
        .round()
        .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
}

/// A speech-like placeholder: a tone at `frequency` with a syllable-rate envelope and soft edges.
pub(crate) fn tone(frequency: f64, samples: usize, rate: u32) -> Vec<i16> {
    let rate = f64::from(rate);
    let fade = (rate * 0.01) as usize;
    (0..samples)
        .map(|i| {
            let t = i as f64 / rate;
            let syllables = 0.65 + 0.35 * (TAU * 4.0 * t).sin();
            let edge = (i.min(samples - 1 - i) as f64 / fade.max(1) as f64).min(1.0);
            to_i16(8000.0 * syllables * edge * (TAU * frequency * t).sin())
        })
        .collect()
}

/// Keypad tones for `digits`: 120 ms of the key's two frequencies, then 130 ms of quiet.
pub(crate) fn dtmf(digits: &str, rate: u32) -> Vec<i16> {
    let per_key = rate as usize / 4; // 250 ms
    let on = rate as usize * 12 / 100; // 120 ms
    let mut out = Vec::with_capacity(per_key * digits.len());
    for key in digits.chars() {
        let Some((low, high)) = dtmf_pair(key) else {
            out.resize(out.len() + per_key, 0);
            continue;
        };
        out.extend((0..per_key).map(|i| {
            if i >= on {
                return 0;
            }
            let t = i as f64 / f64::from(rate);
            to_i16(6000.0 * ((TAU * low * t).sin() + (TAU * high * t).sin()))
        }));
    }
    out
}

fn dtmf_pair(key: char) -> Option<(f64, f64)> {
    let (row, column) = match key {
        '1' => (0, 0),
        '2' => (0, 1),
        '3' => (0, 2),
        '4' => (1, 0),
        '5' => (1, 1),
        '6' => (1, 2),
        '7' => (2, 0),
        '8' => (2, 1),
        '9' => (2, 2),
        '*' => (3, 0),
        '0' => (3, 1),
        '#' => (3, 2),
        _ => return None,
    };
    const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
    const COLUMNS: [f64; 3] = [1209.0, 1336.0, 1477.0];
    Some((ROWS[row], COLUMNS[column]))
}

/// Adds `clip` into `track` from sample `at`, cut at `limit` samples with a 10 ms fade when cut.
pub(crate) fn mix(track: &mut [i16], at: usize, clip: &[i16], limit: usize, rate: u32) {
    let room = track.len().saturating_sub(at).min(limit);
    let cut = clip.len() > room;
    let len = clip.len().min(room);
    let fade = (rate as usize / 100).min(len);
    for (i, sample) in clip[..len].iter().enumerate() {
        let gain = if cut && i + fade >= len {
            (len - i) as f64 / fade.max(1) as f64
        } else {
            1.0
        };
        let slot = &mut track[at + i];
        *slot = to_i16(f64::from(*slot) + f64::from(*sample) * gain);
    }
}

/// A mono 16-bit PCM WAV file of `samples` at `rate`.
pub(crate) fn write_wav(samples: &[i16], rate: u32) -> Result<Vec<u8>, AudioError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    let mut writer = hound::WavWriter::new(&mut bytes, spec)?;
    let mut pcm = writer.get_i16_writer(u32::try_from(samples.len()).unwrap_or(u32::MAX));
    for sample in samples {
        pcm.write_sample(*sample);
    }
    pcm.flush()?;
    writer.finalize()?;
    Ok(bytes.into_inner())
}
