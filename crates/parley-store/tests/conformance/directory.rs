//! Conformance: secrets, companies, users and refresh tokens.

use chrono::Duration;
use parley_domain::ErrorKind;
use parley_domain::directory::RefreshRecord;
use parley_domain::ids::{CompanyId, UserId};
use parley_domain::ports::DirectoryStore;
use parley_domain::values::Email;

use super::fixtures::*;
use super::harness::Ctx;

pub async fn secrets_keep_the_first_value(t: Ctx) {
    assert_eq!(
        t.store.secret("jwt-hs256", "first".into()).await.unwrap(),
        "first"
    );
    assert_eq!(
        t.store.secret("jwt-hs256", "second".into()).await.unwrap(),
        "first"
    );
    assert_eq!(
        t.store.secret("other", "ключ".into()).await.unwrap(),
        "ключ"
    );
}

pub async fn companies_round_trip_and_names_conflict(t: Ctx) {
    let acme = company(&t, "Acme").await;
    assert_v7(acme.uuid);
    assert_eq!(acme.name, "Acme");
    assert_eq!(acme.created_at, t.now());
    tick(&t, 1);
    let horns = company(&t, "Рога и копыта").await;
    assert!(horns.id > acme.id);
    assert_ne!(horns.uuid, acme.uuid);

    assert_eq!(t.store.company(acme.id).await.unwrap(), acme);
    assert_eq!(
        t.store.company_by_name("Рога и копыта").await.unwrap(),
        Some(horns.clone())
    );
    assert_eq!(
        t.store.company_by_name("acme").await.unwrap(),
        None,
        "names match exactly"
    );
    assert_not_found(t.store.company(CompanyId(horns.id.0 + 100)).await);

    let dup = t.store.create_company("Acme").await;
    assert_eq!(error_kind(dup), ErrorKind::Conflict);
}

pub async fn users_round_trip_and_emails_conflict_across_companies(t: Ctx) {
    let a = company(&t, "A").await;
    let b = company(&t, "B").await;
    let ann = user(&t, a.id, "Ann@Example.com").await;
    assert_v7(ann.uuid);
    assert_eq!(
        (ann.company_id, ann.email.as_str(), ann.created_at),
        (a.id, "ann@example.com", t.now())
    );
    tick(&t, 10);
    let bob = user(&t, a.id, "bob@example.com").await;
    tick(&t, 10);
    let cat = user(&t, b.id, "cat@example.com").await;

    assert_eq!(t.store.user(a.id, ann.id).await.unwrap(), ann);
    assert_eq!(
        t.store.users(a.id).await.unwrap(),
        vec![ann.clone(), bob.clone()]
    );
    assert_eq!(t.store.users(b.id).await.unwrap(), vec![cat.clone()]);

    let found = t
        .store
        .credentials(&Email::parse("ann@example.com").unwrap())
        .await
        .unwrap()
        .expect("ann");
    assert_eq!(found.user, ann);
    assert_eq!(
        found.password_hash,
        new_user("Ann@Example.com").password_hash
    );
    assert!(
        t.store
            .credentials(&Email::parse("nobody@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    // The e-mail is unique across companies.
    assert_eq!(
        error_kind(t.store.create_user(b.id, new_user("ann@example.com")).await),
        ErrorKind::Conflict
    );
    assert_eq!(
        error_kind(t.store.create_user(a.id, new_user("ann@example.com")).await),
        ErrorKind::Conflict
    );
    assert_not_found(
        t.store
            .create_user(CompanyId(b.id.0 + 100), new_user("new@example.com"))
            .await,
    );

    t.store
        .set_password(a.id, ann.id, "new-hash")
        .await
        .unwrap();
    let found = t.store.credentials(&ann.email).await.unwrap().expect("ann");
    assert_eq!(found.password_hash, "new-hash");
}

pub async fn users_are_invisible_to_other_companies(t: Ctx) {
    let a = company(&t, "A").await;
    let b = company(&t, "B").await;
    let ann = user(&t, a.id, "ann@example.com").await;
    let _bob = user(&t, b.id, "bob@example.com").await;

    assert_not_found(t.store.user(b.id, ann.id).await);
    assert_not_found(t.store.user(a.id, UserId(ann.id.0 + 100)).await);
    assert!(
        t.store
            .users(b.id)
            .await
            .unwrap()
            .iter()
            .all(|u| u.id != ann.id)
    );
    assert_not_found(t.store.set_password(b.id, ann.id, "stolen").await);
    let found = t.store.credentials(&ann.email).await.unwrap().expect("ann");
    assert_eq!(
        found.password_hash,
        new_user("ann@example.com").password_hash,
        "B changed A's password"
    );
}

pub async fn refresh_tokens_are_single_use(t: Ctx) {
    let a = company(&t, "A").await;
    let ann = user(&t, a.id, "ann@example.com").await;
    let record = RefreshRecord {
        jti: "jti-1".into(),
        user_id: ann.id,
        company_id: a.id,
        expires_at: t.now() + Duration::days(30),
    };
    t.store.insert_refresh(&record).await.unwrap();
    assert_eq!(
        error_kind(t.store.insert_refresh(&record).await),
        ErrorKind::Conflict
    );

    let now = t.now();
    assert!(t.store.refresh_is_live("jti-1", now).await.unwrap());
    assert_eq!(
        t.store.take_refresh("jti-1", now).await.unwrap(),
        Some(record)
    );
    assert_eq!(
        t.store.take_refresh("jti-1", now).await.unwrap(),
        None,
        "used twice"
    );
    assert!(!t.store.refresh_is_live("jti-1", now).await.unwrap());
    assert_eq!(t.store.take_refresh("unknown", now).await.unwrap(), None);
    assert!(!t.store.refresh_is_live("unknown", now).await.unwrap());
}

pub async fn refresh_tokens_expire(t: Ctx) {
    let a = company(&t, "A").await;
    let ann = user(&t, a.id, "ann@example.com").await;
    let start = t.now();
    for (jti, lifetime) in [("short", 60), ("long", 3600)] {
        let expires_at = start + Duration::seconds(lifetime);
        t.store
            .insert_refresh(&RefreshRecord {
                jti: jti.into(),
                user_id: ann.id,
                company_id: a.id,
                expires_at,
            })
            .await
            .unwrap();
    }
    let at_expiry = start + Duration::seconds(60);
    assert!(
        t.store
            .refresh_is_live("short", at_expiry - Duration::milliseconds(1))
            .await
            .unwrap()
    );
    assert!(
        !t.store.refresh_is_live("short", at_expiry).await.unwrap(),
        "live at its expiry instant"
    );
    assert_eq!(
        t.store.take_refresh("short", at_expiry).await.unwrap(),
        None
    );
    let taken = t
        .store
        .take_refresh("long", at_expiry)
        .await
        .unwrap()
        .expect("long is still live");
    assert_eq!(taken.expires_at, start + Duration::seconds(3600));
}

pub async fn refresh_tokens_need_a_user_of_their_company(t: Ctx) {
    let a = company(&t, "A").await;
    let b = company(&t, "B").await;
    let ann = user(&t, a.id, "ann@example.com").await;
    let expires_at = t.now() + Duration::days(1);
    let foreign = RefreshRecord {
        jti: "x".into(),
        user_id: ann.id,
        company_id: b.id,
        expires_at,
    };
    assert_not_found(t.store.insert_refresh(&foreign).await);
    let missing = RefreshRecord {
        jti: "y".into(),
        user_id: UserId(ann.id.0 + 100),
        company_id: a.id,
        expires_at,
    };
    assert_not_found(t.store.insert_refresh(&missing).await);
}
