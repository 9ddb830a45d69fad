//! Conformance: an agent's input and output variables.

use parley_domain::ErrorKind;
use parley_domain::agent::OutputKind;
use parley_domain::ids::AgentId;
use parley_domain::ports::AgentStore;

use super::fixtures::*;
use super::harness::Ctx;

pub async fn input_variables_round_trip_in_creation_order(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    assert!(
        t.store
            .input_variables(a.id, agent.id)
            .await
            .unwrap()
            .is_empty()
    );
    let phone = t
        .store
        .create_input_variable(a.id, agent.id, "phone", false)
        .await
        .unwrap();
    let name = t
        .store
        .create_input_variable(a.id, agent.id, "имя", true)
        .await
        .unwrap();
    let debt = t
        .store
        .create_input_variable(a.id, agent.id, "debt", false)
        .await
        .unwrap();
    assert_v7(phone.uuid);
    assert_eq!((name.name.as_str(), name.synthesis), ("имя", true));
    assert_eq!(
        t.store.input_variables(a.id, agent.id).await.unwrap(),
        vec![phone.clone(), name.clone(), debt.clone()]
    );

    let renamed = t
        .store
        .update_input_variable(a.id, name.uuid, "first_name", false)
        .await
        .unwrap();
    assert_eq!(
        (renamed.uuid, renamed.name.as_str(), renamed.synthesis),
        (name.uuid, "first_name", false)
    );
    t.store
        .delete_input_variable(a.id, phone.uuid)
        .await
        .unwrap();
    assert_eq!(
        t.store.input_variables(a.id, agent.id).await.unwrap(),
        vec![renamed, debt]
    );
    assert_not_found(t.store.delete_input_variable(a.id, phone.uuid).await);
    assert_not_found(
        t.store
            .update_input_variable(a.id, phone.uuid, "x", true)
            .await,
    );
    assert_not_found(
        t.store
            .input_variables(a.id, AgentId(agent.id.0 + 100))
            .await,
    );
    assert_not_found(
        t.store
            .create_input_variable(a.id, AgentId(agent.id.0 + 100), "x", true)
            .await,
    );
}

pub async fn output_variables_round_trip_in_creation_order(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    assert!(
        t.store
            .output_variables(a.id, agent.id)
            .await
            .unwrap()
            .is_empty()
    );
    let result = t
        .store
        .create_output_variable(a.id, agent.id, "result", OutputKind::String, Some(2))
        .await
        .unwrap();
    let sum = t
        .store
        .create_output_variable(a.id, agent.id, "сумма", OutputKind::Number, None)
        .await
        .unwrap();
    let when = t
        .store
        .create_output_variable(a.id, agent.id, "when", OutputKind::Datetime, Some(9))
        .await
        .unwrap();
    assert_v7(result.uuid);
    assert_eq!((result.kind, result.cell), (OutputKind::String, Some(2)));
    assert_eq!((sum.kind, sum.cell), (OutputKind::Number, None));
    assert_eq!(
        t.store.output_variables(a.id, agent.id).await.unwrap(),
        vec![result.clone(), sum.clone(), when.clone()]
    );

    let changed = t
        .store
        .update_output_variable(a.id, sum.uuid, "agreed", OutputKind::Boolean, Some(3))
        .await
        .unwrap();
    assert_eq!(
        (
            changed.uuid,
            changed.name.as_str(),
            changed.kind,
            changed.cell
        ),
        (sum.uuid, "agreed", OutputKind::Boolean, Some(3))
    );
    t.store
        .delete_output_variable(a.id, result.uuid)
        .await
        .unwrap();
    assert_eq!(
        t.store.output_variables(a.id, agent.id).await.unwrap(),
        vec![changed, when]
    );
    assert_not_found(t.store.delete_output_variable(a.id, result.uuid).await);
    assert_not_found(
        t.store
            .update_output_variable(a.id, result.uuid, "x", OutputKind::String, None)
            .await,
    );
    assert_not_found(
        t.store
            .output_variables(a.id, AgentId(agent.id.0 + 100))
            .await,
    );
}

pub async fn variable_names_conflict_per_agent(t: Ctx) {
    let (a, first) = company_with_agent(&t, "A").await;
    let second = agent(&t, a.id, "Second").await;
    let phone = t
        .store
        .create_input_variable(a.id, first.id, "phone", false)
        .await
        .unwrap();
    let name = t
        .store
        .create_input_variable(a.id, first.id, "name", false)
        .await
        .unwrap();
    assert_eq!(
        error_kind(
            t.store
                .create_input_variable(a.id, first.id, "phone", true)
                .await
        ),
        ErrorKind::Conflict
    );
    assert_eq!(
        error_kind(
            t.store
                .update_input_variable(a.id, name.uuid, "phone", true)
                .await
        ),
        ErrorKind::Conflict
    );
    t.store
        .create_input_variable(a.id, second.id, "phone", false)
        .await
        .expect("the same name on another agent");
    t.store
        .update_input_variable(a.id, phone.uuid, "phone", true)
        .await
        .expect("keeping its own name");

    let result = t
        .store
        .create_output_variable(a.id, first.id, "result", OutputKind::String, None)
        .await
        .unwrap();
    let other = t
        .store
        .create_output_variable(a.id, first.id, "other", OutputKind::String, None)
        .await
        .unwrap();
    let dup = t
        .store
        .create_output_variable(a.id, first.id, "result", OutputKind::Number, None)
        .await;
    assert_eq!(error_kind(dup), ErrorKind::Conflict);
    let dup = t
        .store
        .update_output_variable(a.id, other.uuid, "result", OutputKind::Number, None)
        .await;
    assert_eq!(error_kind(dup), ErrorKind::Conflict);
    t.store
        .create_output_variable(a.id, second.id, "result", OutputKind::String, None)
        .await
        .expect("another agent");
    // An input and an output may share a name.
    t.store
        .create_output_variable(a.id, first.id, "phone", OutputKind::String, None)
        .await
        .expect("inputs apart");
    assert_eq!(
        t.store.output_variables(a.id, first.id).await.unwrap()[0],
        result
    );
}

pub async fn variables_are_invisible_to_other_companies(t: Ctx) {
    let (a, agent) = company_with_agent(&t, "A").await;
    let (b, _) = company_with_agent(&t, "B").await;
    let input = t
        .store
        .create_input_variable(a.id, agent.id, "phone", false)
        .await
        .unwrap();
    let output = t
        .store
        .create_output_variable(a.id, agent.id, "result", OutputKind::String, None)
        .await
        .unwrap();

    assert_not_found(t.store.input_variables(b.id, agent.id).await);
    assert_not_found(t.store.output_variables(b.id, agent.id).await);
    assert_not_found(
        t.store
            .create_input_variable(b.id, agent.id, "x", false)
            .await,
    );
    assert_not_found(
        t.store
            .create_output_variable(b.id, agent.id, "x", OutputKind::String, None)
            .await,
    );
    // Even a name that would conflict must not reveal the agent.
    assert_not_found(
        t.store
            .create_input_variable(b.id, agent.id, "phone", false)
            .await,
    );
    assert_not_found(
        t.store
            .update_input_variable(b.id, input.uuid, "stolen", true)
            .await,
    );
    assert_not_found(
        t.store
            .update_output_variable(b.id, output.uuid, "stolen", OutputKind::Number, None)
            .await,
    );
    assert_not_found(t.store.delete_input_variable(b.id, input.uuid).await);
    assert_not_found(t.store.delete_output_variable(b.id, output.uuid).await);
    assert_eq!(
        t.store.input_variables(a.id, agent.id).await.unwrap(),
        vec![input]
    );
    assert_eq!(
        t.store.output_variables(a.id, agent.id).await.unwrap(),
        vec![output]
    );
}
