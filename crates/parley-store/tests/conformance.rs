//! The `Store` conformance suite: every case is written once (in `tests/conformance/`) and runs on
//! SQLite (a fresh database file per case) and, when `PARLEY_TEST_POSTGRES_URL` is set, on
//! PostgreSQL (a fresh database per case, dropped afterwards).
//!
//! ```text
//! cargo test -p parley-store --test conformance                  # SQLite only
//! scripts/with-postgres.sh cargo test -p parley-store --test conformance   # both
//! ```

// Clippy's allow-unwrap-in-tests covers only `#[test]` functions, not the cases they run.
#![expect(
    clippy::unwrap_used,
    reason = "conformance cases are tests: a failed unwrap is a failed case"
)]

mod conformance {
    pub mod agents;
    pub mod call_batches;
    pub mod call_search;
    pub mod calls;
    pub mod campaigns;
    pub mod claims;
    pub mod custom_runs;
    pub mod dialogs;
    pub mod directory;
    pub mod files;
    pub mod fixtures;
    pub mod harness;
    pub mod slots_and_keys;
    pub mod turn_batches;
    pub mod turn_payloads;
    pub mod turns;
    pub mod uploads;
    pub mod variables;
    pub mod webhooks;
}

/// Declares every case once per backend: `sqlite::<module>::<case>` and `postgres::<module>::<case>`.
macro_rules! cases {
    ($($module:ident: [$($case:ident),* $(,)?]),* $(,)?) => {
        mod sqlite {
            $(mod $module {
                $(#[tokio::test]
                async fn $case() {
                    crate::conformance::harness::on_sqlite(crate::conformance::$module::$case).await;
                })*
            })*
        }
        mod postgres {
            $(mod $module {
                $(#[tokio::test]
                async fn $case() {
                    crate::conformance::harness::on_postgres(crate::conformance::$module::$case).await;
                })*
            })*
        }
    };
}

cases! {
    call_search: [
        search_filters_sorts_and_pages_in_the_database,
        sessions_are_each_dialogs_last_call_with_totals,
        reports_narrow_by_ids_periods_results_and_variables,
    ],
    directory: [
        secrets_keep_the_first_value,
        companies_round_trip_and_names_conflict,
        users_round_trip_and_emails_conflict_across_companies,
        users_are_invisible_to_other_companies,
        refresh_tokens_are_single_use,
        refresh_tokens_expire,
        refresh_tokens_need_a_user_of_their_company,
    ],
    agents: [
        agents_round_trip_every_setting,
        agents_list_oldest_first_per_company,
        agent_settings_update_bumps_updated_at,
        scenario_versions_accumulate,
        agents_are_invisible_to_other_companies,
    ],
    variables: [
        input_variables_round_trip_in_creation_order,
        output_variables_round_trip_in_creation_order,
        variable_names_conflict_per_agent,
        variables_are_invisible_to_other_companies,
    ],
    slots_and_keys: [
        time_slots_sort_by_day_then_start,
        time_slots_are_invisible_to_other_companies,
        credentials_round_trip_and_filter_by_key_type,
        credentials_are_invisible_to_other_companies,
    ],
    dialogs: [
        dialogs_start_active_with_their_inputs,
        dialogs_list_newest_first_with_totals,
        dialog_filters_by_agent_and_status,
        dialog_filters_by_time_ranges,
        dialogs_are_invisible_to_other_companies,
        dialogs_are_read_many_at_a_time,
    ],
    custom_runs: [
        custom_runs_round_trip_and_a_new_run_supersedes_the_open_one,
        custom_run_delivery_is_claimed_once,
        custom_runs_finish_once_and_not_after_expiry,
        custom_run_typing_round_trips,
        custom_runs_are_invisible_to_other_companies,
    ],
    files: [
        files_round_trip_names_and_bytes,
        files_are_invisible_to_other_companies,
        files_list_in_upload_order_per_dialog,
    ],
    turns: [
        save_turn_persists_state_messages_and_answers,
        save_turn_rejects_a_stale_version,
        save_turn_sets_ended_at_once,
        save_turn_checks_agent_and_operator,
        messages_after_an_id,
    ],
    turn_payloads: [
        large_turns_keep_message_order,
        json_values_round_trip,
        concurrent_turns_each_get_their_own_answer,
    ],
    campaigns: [
        campaigns_round_trip_every_setting,
        campaigns_are_invisible_to_other_companies,
        enqueue_creates_a_voice_dialog_and_refuses_duplicate_external_ids,
        a_contacts_own_zone_is_kept_through_queue_and_claim,
        many_contacts_queue_at_once_skipping_repeated_external_ids,
        a_completed_campaign_reopens_when_a_contact_is_queued,
        queue_lists_filter_and_page,
        remove_waiting_takes_only_waiting_entries_of_the_agent,
        do_not_call_lists_round_trip,
    ],
    uploads: [
        uploads_stage_rows_and_queue_chunks_with_results,
    ],
    claims: [
        claims_take_the_oldest_due_entries_within_the_channel_limit,
        paused_and_unstarted_campaigns_are_not_claimed,
        releases_need_the_claim_and_keep_the_history,
        expired_claims_are_re_leased_to_the_taker,
        drained_campaigns_have_nothing_left_to_dial,
        claims_flag_numbers_on_the_do_not_call_list,
        concurrent_claims_never_overlap_or_exceed_the_limit,
    ],
    calls: [
        finish_call_records_the_call_and_the_turn_together,
    ],
    webhooks: [
        hooks_and_callback_data_round_trip_within_the_company,
        a_contact_whose_callback_data_is_refused_is_not_queued,
        outbox_rows_are_taken_once_and_retried_until_delivered,
        one_urls_rows_go_out_in_order_and_can_be_handed_back,
        a_second_node_taking_at_once_does_not_take_a_urls_next_row,
    ],
    call_batches: [
        concurrent_calls_each_land_once_with_their_turn_and_events,
    ],
    turn_batches: [
        concurrent_turns_on_many_dialogs_all_land,
        a_stale_turn_among_others_fails_alone,
        a_failing_turn_spoils_no_neighbour,
    ],
}
