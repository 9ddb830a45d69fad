//! Answer parsing for `ask` blocks and keyword matching for `branch`: yes/no, numbers, phones, dates, e-mails, choices.

use chrono::{Datelike, Days, NaiveDate};

/// Lower-cased words of a text (letters and digits; `ё` folded to `е`).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `phrase` (one or more words; a trailing `*` on a word matches any
/// ending) occurs as consecutive whole words in `text`, ignoring case.
pub(crate) fn contains_phrase(text: &[String], phrase: &str) -> bool {
    let lowered = phrase.to_lowercase().replace('ё', "е");
    let pattern: Vec<&str> = lowered.split_whitespace().collect();
    if pattern.is_empty() || pattern.len() > text.len() {
        return false;
    }
    text.windows(pattern.len()).any(|window| {
        window
            .iter()
            .zip(&pattern)
            .all(|(word, pat)| match pat.strip_suffix('*') {
                Some(prefix) => word.starts_with(&words(prefix).concat()),
                None => words(pat).concat() == *word,
            })
    })
}

const YES_PHRASES: &[&str] = &[
    "of course",
    "why not",
    "no problem",
    "sure thing",
    "go ahead",
    "не против",
    "почему бы и нет",
    "без проблем",
    "да да",
    "можно",
];
const NO_PHRASES: &[&str] = &[
    "not now",
    "no thanks",
    "no thank you",
    "not really",
    "не сейчас",
    "не надо",
    "не нужно",
    "не могу",
    "не хочу",
    "не удобно",
    "неудобно",
    "не очень",
    "да нет",
];
const YES_WORDS: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "correct",
    "right",
    "absolutely",
    "definitely",
    "certainly",
    "y",
    "да",
    "ага",
    "угу",
    "конечно",
    "верно",
    "хорошо",
    "давайте",
    "давай",
    "ладно",
    "согласен",
    "согласна",
    "удобно",
    "естественно",
    "разумеется",
    "точно",
    "именно",
];
const NO_WORDS: &[&str] = &[
    "no",
    "nope",
    "nah",
    "not",
    "never",
    "n",
    "нет",
    "неа",
    "не",
    "нельзя",
    "против",
    "отказываюсь",
    "никогда",
];

/// Recognises yes or no in English and Russian; `1` means yes and `2` no (keypad convention).
pub(crate) fn yes_no(text: &str) -> Option<bool> {
    let w = words(text);
    if w.is_empty() {
        return None;
    }
    if w.len() == 1 {
        match w[0].as_str() {
            "1" => return Some(true),
            "2" | "0" => return Some(false),
            _ => {}
        }
    }
    if NO_PHRASES.iter().any(|p| contains_phrase(&w, p)) {
        return Some(false);
    }
    if YES_PHRASES.iter().any(|p| contains_phrase(&w, p)) {
        return Some(true);
    }
    let has_no = w.iter().any(|x| NO_WORDS.contains(&x.as_str()));
    let has_yes = w.iter().any(|x| YES_WORDS.contains(&x.as_str()));
    match (has_yes, has_no) {
        (_, true) => Some(false),
        (true, false) => Some(true),
        (false, false) => None,
    }
}

const NUMBER_WORDS: &[(&str, i64)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("ноль", 0),
    ("один", 1),
    ("одна", 1),
    ("единица", 1),
    ("единицу", 1),
    ("два", 2),
    ("две", 2),
    ("двойка", 2),
    ("двойку", 2),
    ("три", 3),
    ("тройка", 3),
    ("тройку", 3),
    ("четыре", 4),
    ("четверка", 4),
    ("четверку", 4),
    ("пять", 5),
    ("пятерка", 5),
    ("пятерку", 5),
    ("шесть", 6),
    ("семь", 7),
    ("восемь", 8),
    ("девять", 9),
    ("десять", 10),
];

/// The first number in a text: digits (`4`, `-2`, `3.5`, `3,5`) or a number word (`four`, `пять`).
pub(crate) fn number(text: &str) -> Option<f64> {
    let normalized = text.trim().replace(',', ".");
    let chars: Vec<char> = normalized.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut start = i;
            if start > 0 && chars[start - 1] == '-' {
                start -= 1;
            }
            let mut end = i;
            while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
                end += 1;
            }
            let literal: String = chars[start..end].iter().collect();
            return literal.trim_end_matches('.').parse().ok();
        }
        i += 1;
    }
    words(text)
        .iter()
        .find_map(|w| NUMBER_WORDS.iter().find(|(word, _)| word == w))
        .map(|(_, n)| *n as f64)
}

/// A number as JSON: an integer when it has no fraction.
pub(crate) fn number_value(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// A phone number as digits only (10 to 15 of them). Without a `+`, an 11-digit number
/// starting with 8 is taken as a Russian trunk prefix and becomes 7…, and a 10-digit one
/// starting with 9 as a Russian mobile number without its country code and becomes 79… (as the
/// dialer reads contacts' numbers).
pub(crate) fn phone(text: &str) -> Option<String> {
    if text.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let mut digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if !(10..=15).contains(&digits.len()) {
        return None;
    }
    let plus = text.trim_start().starts_with('+');
    if !plus && digits.len() == 11 && digits.starts_with('8') {
        digits.replace_range(0..1, "7");
    }
    if !plus && digits.len() == 10 && digits.starts_with('9') {
        digits.insert(0, '7');
    }
    Some(digits)
}

/// A simple e-mail check (`local@domain.tld`, no spaces); the domain is lower-cased.
pub(crate) fn email(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches('.');
    let (local, domain) = t.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.contains('@')
        && !t.chars().any(char::is_whitespace)
        && domain.contains('.')
        && domain.split('.').all(|part| !part.is_empty());
    ok.then(|| format!("{local}@{}", domain.to_lowercase()))
}

const MONTHS: &[(&str, u32)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    ("янв", 1),
    ("фев", 2),
    ("мар", 3),
    ("апр", 4),
    ("мая", 5),
    ("май", 5),
    ("июн", 6),
    ("июл", 7),
    ("авг", 8),
    ("сен", 9),
    ("окт", 10),
    ("ноя", 11),
    ("дек", 12),
];

/// A date: `2024-05-17`, `17.05.2024`, `17/05/2024`, `17.05` (this year), `17 May`,
/// `May 17`, `17 мая`, or relative to `today`: today, tomorrow, yesterday, the day
/// after tomorrow, `in 3 days`, сегодня, завтра, вчера, послезавтра, `через 3 дня`.
pub(crate) fn date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let w = words(text);
    let relative = |days: i64| {
        if days >= 0 {
            today.checked_add_days(Days::new(days.unsigned_abs()))
        } else {
            today.checked_sub_days(Days::new(days.unsigned_abs()))
        }
    };
    for (phrase, days) in [
        ("day after tomorrow", 2),
        ("послезавтра", 2),
        ("tomorrow", 1),
        ("завтра", 1),
        ("today", 0),
        ("сегодня", 0),
        ("yesterday", -1),
        ("вчера", -1),
    ] {
        if contains_phrase(&w, phrase) {
            return relative(days);
        }
    }
    if let (Some(pos), Some(n)) = (
        w.iter().position(|x| x == "in" || x == "через"),
        number(text),
    ) && w[pos..]
        .iter()
        .any(|x| x.starts_with("day") || x.starts_with("дн") || x.starts_with("ден"))
    {
        return relative(n as i64);
    }
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d);
    }
    for fmt in ["%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return Some(d);
        }
    }
    // Day and month without a year, numeric or with a month name.
    let numbers: Vec<u32> = w.iter().filter_map(|x| x.parse().ok()).collect();
    let month_name = w.iter().find_map(|x| {
        MONTHS
            .iter()
            .find(|(prefix, _)| x.starts_with(prefix))
            .map(|(_, m)| *m)
    });
    let (day, month, year) = match (month_name, numbers.as_slice()) {
        (Some(m), [d]) => (*d, m, today.year()),
        (Some(m), [d, y]) if *y > 31 => (*d, m, i32::try_from(*y).ok()?),
        (None, [d, m]) if t.contains('.') || t.contains('/') => (*d, *m, today.year()),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yes_no_in_english_and_russian() {
        for yes in [
            "yes",
            "Yeah, sure",
            "да",
            "Ага",
            "конечно да",
            "не против",
            "1",
            "of course!",
        ] {
            assert_eq!(yes_no(yes), Some(true), "{yes}");
        }
        for no in [
            "no",
            "Nope",
            "нет",
            "не сейчас",
            "да нет",
            "not now",
            "2",
            "неа",
        ] {
            assert_eq!(yes_no(no), Some(false), "{no}");
        }
        for neither in ["maybe", "", "банан"] {
            assert_eq!(yes_no(neither), None, "{neither}");
        }
    }

    #[test]
    fn numbers_from_digits_and_words() {
        assert_eq!(number("I'd say 4"), Some(4.0));
        assert_eq!(number("3,5"), Some(3.5));
        assert_eq!(number("-2"), Some(-2.0));
        assert_eq!(number("пять"), Some(5.0));
        assert_eq!(number("four stars"), Some(4.0));
        assert_eq!(number("none"), None);
        assert_eq!(number_value(4.0), serde_json::json!(4));
        assert_eq!(number_value(3.5), serde_json::json!(3.5));
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(phone("+7 (916) 123-45-67").as_deref(), Some("79161234567"));
        assert_eq!(phone("8 916 123 45 67").as_deref(), Some("79161234567"));
        assert_eq!(phone("916 123-45-67").as_deref(), Some("79161234567"));
        assert_eq!(phone("+84 912 345 678").as_deref(), Some("84912345678"));
        assert_eq!(phone("12345"), None);
        assert_eq!(phone("call me at 9161234567"), None);
    }

    #[test]
    fn emails() {
        assert_eq!(
            email(" Ann@Example.COM ").as_deref(),
            Some("Ann@example.com")
        );
        assert_eq!(email("ann@example"), None);
        assert_eq!(email("ann example.com"), None);
        assert_eq!(email("a@b@c.d"), None);
    }

    #[test]
    fn dates_absolute_and_relative() {
        let today = NaiveDate::from_ymd_opt(2024, 5, 17).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(date("today", today), d(2024, 5, 17));
        assert_eq!(date("Tomorrow please", today), d(2024, 5, 18));
        assert_eq!(date("завтра", today), d(2024, 5, 18));
        assert_eq!(date("послезавтра", today), d(2024, 5, 19));
        assert_eq!(date("the day after tomorrow", today), d(2024, 5, 19));
        assert_eq!(date("вчера", today), d(2024, 5, 16));
        assert_eq!(date("in 3 days", today), d(2024, 5, 20));
        assert_eq!(date("через 2 дня", today), d(2024, 5, 19));
        assert_eq!(date("2024-06-01", today), d(2024, 6, 1));
        assert_eq!(date("01.06.2024", today), d(2024, 6, 1));
        assert_eq!(date("1/6/2024", today), d(2024, 6, 1));
        assert_eq!(date("01.06", today), d(2024, 6, 1));
        assert_eq!(date("5 марта", today), d(2024, 3, 5));
        assert_eq!(date("March 5", today), d(2024, 3, 5));
        assert_eq!(date("5 March 2025", today), d(2025, 3, 5));
        assert_eq!(date("31.02.2024", today), None);
        assert_eq!(date("someday", today), None);
    }

    #[test]
    fn phrases_match_whole_words_and_prefixes() {
        let w = words("Позовите оператора, пожалуйста");
        assert!(contains_phrase(&w, "оператор*"));
        assert!(!contains_phrase(&w, "оператор"));
        assert!(contains_phrase(&words("I want a HUMAN now"), "human"));
        assert!(!contains_phrase(&words("I know"), "no"));
        assert!(contains_phrase(
            &words("talk to a person please"),
            "a person"
        ));
    }

    proptest! {
        #[test]
        fn number_finds_any_integer(n in -100_000i64..100_000) {
            prop_assert_eq!(number(&format!("about {n} units")), Some(n as f64));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let today = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            let _ = (yes_no(&s), number(&s), phone(&s), email(&s), date(&s, today));
        }
    }
}
