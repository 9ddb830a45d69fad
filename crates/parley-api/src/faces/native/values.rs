//! The native API's enumerations (channel, role, dialog status, sender) and their conversions.

use parley_domain::dialog::{DialogStatus, Sender};
use parley_domain::values::{Channel, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a dialog happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Channel)]
#[serde(rename_all = "snake_case")]
pub enum ChannelDto {
    /// Text chat.
    Chat,
    /// Telephone.
    Voice,
}

impl From<Channel> for ChannelDto {
    fn from(channel: Channel) -> Self {
        match channel {
            Channel::Chat => Self::Chat,
            Channel::Voice => Self::Voice,
        }
    }
}

impl From<ChannelDto> for Channel {
    fn from(channel: ChannelDto) -> Self {
        match channel {
            ChannelDto::Chat => Self::Chat,
            ChannelDto::Voice => Self::Voice,
        }
    }
}

/// What a user may do: `admin` > `api` > `operator` > `viewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Role)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Everything, including users.
    Admin,
    /// Agents, dialogs; no user management.
    Api,
    /// Takes dialogs over; reads everything.
    Operator,
    /// Reads everything, changes nothing.
    Viewer,
}

impl From<Role> for RoleDto {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => Self::Admin,
            Role::Api => Self::Api,
            Role::Operator => Self::Operator,
            Role::Viewer => Self::Viewer,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(role: RoleDto) -> Self {
        match role {
            RoleDto::Admin => Self::Admin,
            RoleDto::Api => Self::Api,
            RoleDto::Operator => Self::Operator,
            RoleDto::Viewer => Self::Viewer,
        }
    }
}

/// Where a dialog stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DialogStatus)]
#[serde(rename_all = "snake_case")]
pub enum DialogStatusDto {
    /// The bot is talking or waiting for the customer.
    Active,
    /// An operator holds it (or it waits for one); the bot is silent.
    Operator,
    /// Finished.
    Ended,
    /// Stopped by a scenario error (see `error`).
    Failed,
}

impl From<DialogStatus> for DialogStatusDto {
    fn from(status: DialogStatus) -> Self {
        match status {
            DialogStatus::Active => Self::Active,
            DialogStatus::Operator => Self::Operator,
            DialogStatus::Ended => Self::Ended,
            DialogStatus::Failed => Self::Failed,
        }
    }
}

impl From<DialogStatusDto> for DialogStatus {
    fn from(status: DialogStatusDto) -> Self {
        match status {
            DialogStatusDto::Active => Self::Active,
            DialogStatusDto::Operator => Self::Operator,
            DialogStatusDto::Ended => Self::Ended,
            DialogStatusDto::Failed => Self::Failed,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Sender)]
#[serde(rename_all = "snake_case")]
pub enum SenderDto {
    /// The agent's scenario.
    Bot,
    /// The customer.
    Customer,
    /// A human operator.
    Operator,
    /// Parley itself (handoffs, errors).
    System,
}

impl From<Sender> for SenderDto {
    fn from(sender: Sender) -> Self {
        match sender {
            Sender::Bot => Self::Bot,
            Sender::Customer => Self::Customer,
            Sender::Operator => Self::Operator,
            Sender::System => Self::System,
        }
    }
}
