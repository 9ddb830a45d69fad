//! `PhoneNumber`: what clients send, parsed and normalised to E.164 digits.

use std::fmt;

use crate::error::{Error, Result};

/// A phone number in E.164 form, kept as its digits without the `+` (`79161234567`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

/// What every parse error says is accepted.
const ACCEPTED: &str = "expected 7–15 digits with an optional leading +, spaces, dashes, dots \
                        and parentheses, e.g. +7 (916) 123-45-67 or 89161234567";

impl PhoneNumber {
    /// Accepts `+7 (916) 123-45-67`, `79161234567`, the Russian trunk form `89161234567` (11
    /// digits starting with 8 and no `+` become `7…`) and a Russian mobile number without its
    /// country code, `9161234567` (10 digits starting with 9 and no `+` become `79…`: CRM exports
    /// often drop the `7`, and read as international the number would be called in the wrong
    /// country's hours; no country code starting with 9 makes a 10-digit mobile number).
    /// Separators (spaces, `-`, `.`, `(`, `)`) are dropped; a `+` is allowed only first; the
    /// result must have 7–15 digits.
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => {
                    return Err(Error::invalid(format!(
                        "`{trimmed}` is not a phone number: unexpected `{c}` ({ACCEPTED})"
                    )));
                }
            }
        }
        if !plus && digits.len() == 11 && digits.starts_with('8') {
            digits.replace_range(..1, "7");
        }
        if !plus && digits.len() == 10 && digits.starts_with('9') {
            digits.insert(0, '7');
        }
        if !(7..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(Error::invalid(format!(
                "`{trimmed}` is not a phone number: {} digits ({ACCEPTED})",
                digits.len()
            )));
        }
        Ok(Self(digits))
    }

    /// A number that arrived as a JSON number: its decimal digits, parsed as text.
    pub fn from_integer(number: u64) -> Result<Self> {
        Self::parse(&number.to_string())
    }

    /// The E.164 digits without `+`, e.g. `79161234567`.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    /// `+79161234567`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_normalise_to_e164_digits() {
        let cases = [
            ("formatted with plus", "+7 (916) 123-45-67", "79161234567"),
            ("russian trunk 8", "89161234567", "79161234567"),
            ("russian mobile without 7", "916 123-45-67", "79161234567"),
            ("plus keeps ten digits", "+9161234567", "9161234567"),
            ("plain e164 digits", "79161234567", "79161234567"),
            ("surrounding spaces", "  +79161234567 ", "79161234567"),
            ("dots", "+1.212.555.0100", "12125550100"),
            ("plus keeps a leading 8", "+84912345678", "84912345678"),
            ("seven digits", "6831234", "6831234"),
            ("fifteen digits", "123456789012345", "123456789012345"),
        ];
        for (name, input, digits) in cases {
            let phone = PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(phone.digits(), digits, "{name}");
            assert_eq!(phone.to_string(), format!("+{digits}"), "{name}");
        }
        assert_eq!(
            PhoneNumber::from_integer(89161234567).unwrap().digits(),
            "79161234567"
        );
    }

    #[test]
    fn what_cannot_be_a_phone_is_refused_with_what_is_accepted() {
        let cases = [
            ("empty", ""),
            ("letters", "+7 916 CALL-ME"),
            ("too short", "12345"),
            ("too long", "+1234567890123456"),
            ("plus in the middle", "7916+1234567"),
            ("two pluses", "++79161234567"),
            ("leading zero", "0161234567"),
            ("extension", "+79161234567;ext=1"),
        ];
        for (name, input) in cases {
            let err = PhoneNumber::parse(input).expect_err(name);
            assert!(err.message().contains("e.g. +7 (916)"), "{name}: {err}");
        }
        assert!(PhoneNumber::from_integer(123).is_err());
    }
}
