//! Validated value types built at the edge: parse, don't validate.

use std::fmt;

use crate::error::{Error, Result};

/// A user's login: a trimmed, lower-cased e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` (one `@`, no spaces, a dot in the domain), up to 254 characters.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim().to_lowercase();
        let valid = text.len() <= 254
            && !text.chars().any(char::is_whitespace)
            && text.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(Self(text))
        } else {
            Err(Error::invalid(format!(
                "`{text}` is not an e-mail address (expected name@example.com)"
            )))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a user may do within its company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including users and settings.
    Admin,
    /// Integrations: agents, dialogs, campaigns; no user management.
    Api,
    /// Takes dialogs over and talks to customers; reads dialogs.
    Operator,
    /// Reads everything of its company, changes nothing.
    Viewer,
}

impl Role {
    /// Every role, in order of decreasing power.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Api, Role::Operator, Role::Viewer];

    /// The stable name used in storage, tokens and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Api => "api",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown role `{text}` (expected admin, api, operator or viewer)"
                ))
            })
    }

    /// May create and change agents, dialogs and campaigns.
    pub fn can_write(self) -> bool {
        matches!(self, Role::Admin | Role::Api)
    }

    /// May take dialogs over and write as an operator.
    pub fn can_operate(self) -> bool {
        matches!(self, Role::Admin | Role::Api | Role::Operator)
    }

    /// May manage users.
    pub fn can_admin(self) -> bool {
        matches!(self, Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A day of the week, numbered as Neuro.net does: 0 = Monday … 6 = Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Weekday(u8);

impl Weekday {
    /// From 0 (Monday) to 6 (Sunday).
    pub fn new(day: i64) -> Result<Self> {
        u8::try_from(day)
            .ok()
            .filter(|d| *d <= 6)
            .map(Self)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "day {day} is out of range (0 = Monday … 6 = Sunday)"
                ))
            })
    }

    /// 0 = Monday … 6 = Sunday.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The chrono weekday.
    pub fn to_chrono(self) -> chrono::Weekday {
        match self.0 {
            0 => chrono::Weekday::Mon,
            1 => chrono::Weekday::Tue,
            2 => chrono::Weekday::Wed,
            3 => chrono::Weekday::Thu,
            4 => chrono::Weekday::Fri,
            5 => chrono::Weekday::Sat,
            _ => chrono::Weekday::Sun,
        }
    }
}

/// A wall-clock time of day with second precision, as in time slots (`09:00`, `10:01:01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalTime(chrono::NaiveTime);

impl LocalTime {
    /// Accepts `hh:mm` and `hh:mm:ss` with hours 0–23 (and `24:00` for end of day is refused).
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        chrono::NaiveTime::parse_from_str(text, "%H:%M:%S")
            .or_else(|_| chrono::NaiveTime::parse_from_str(text, "%H:%M"))
            .map(Self)
            .map_err(|_| {
                Error::invalid(format!(
                    "`{text}` is not a time of day (expected hh:mm or hh:mm:ss, 00:00–23:59)"
                ))
            })
    }

    /// From seconds since midnight (Twin24's form), 0..86400.
    pub fn from_seconds(seconds: u32) -> Result<Self> {
        chrono::NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)
            .map(Self)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{seconds} is not a number of seconds since midnight (0–86399)"
                ))
            })
    }

    /// The chrono time.
    pub fn time(self) -> chrono::NaiveTime {
        self.0
    }

    /// `hh:mm:ss`.
    pub fn to_hms(self) -> String {
        self.0.format("%H:%M:%S").to_string()
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hms())
    }
}

/// Where a dialog happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Text chat (web widget, API).
    Chat,
    /// Telephone.
    Voice,
}

impl Channel {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Chat => "chat",
            Channel::Voice => "voice",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "chat" => Ok(Channel::Chat),
            "voice" => Ok(Channel::Voice),
            other => Err(Error::invalid(format!(
                "unknown channel `{other}` (expected chat or voice)"
            ))),
        }
    }
}

/// A page request: at most `limit` rows after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

impl Page {
    /// The largest page any list returns.
    pub const MAX_LIMIT: u64 = 1000;

    /// A page; `limit` must be 1..=1000.
    pub fn new(offset: u64, limit: u64) -> Result<Self> {
        if limit == 0 || limit > Self::MAX_LIMIT {
            return Err(Error::invalid(format!(
                "limit {limit} is out of range (1–{})",
                Self::MAX_LIMIT
            )));
        }
        Ok(Self { offset, limit })
    }
}

/// A page of rows with the total that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// How many rows matched in all.
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "", "ann", "ann@", "@x.io", "a b@x.io", "ann@x", "a@@x.io", "ann@.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn times_accept_minutes_and_seconds() {
        assert_eq!(LocalTime::parse("09:00").unwrap().to_hms(), "09:00:00");
        assert_eq!(LocalTime::parse("10:01:01").unwrap().to_hms(), "10:01:01");
        for bad in ["25:00", "9", "12:60", "ab:cd", ""] {
            assert!(LocalTime::parse(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(
            LocalTime::from_seconds(3600 * 9).unwrap().to_hms(),
            "09:00:00"
        );
        assert!(LocalTime::from_seconds(86400).is_err());
    }

    #[test]
    fn weekdays_and_roles_and_pages() {
        assert_eq!(Weekday::new(0).unwrap().to_chrono(), chrono::Weekday::Mon);
        assert_eq!(Weekday::new(6).unwrap().to_chrono(), chrono::Weekday::Sun);
        assert!(Weekday::new(7).is_err() && Weekday::new(-1).is_err());
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
        assert!(!Role::Viewer.can_write() && Role::Operator.can_operate());
        assert!(
            Page::new(0, 0).is_err() && Page::new(0, 1001).is_err() && Page::new(5, 1000).is_ok()
        );
    }
}
