//! RBAC: who may do what (the matrix), changes made through `Rbac`, default rules seeded once,
//! changes reaching a second instance without a restart, and the sea-orm adapter under casbin's
//! own API.

use std::collections::BTreeSet;
use std::time::Duration;

use bureau_core::entities::{casbin_rule, policy_seed, rbac_state, role, user};
use bureau_core::rbac::casbin::{CoreApi, Filter, MgmtApi};
use bureau_core::rbac::{self, DEFAULT_ROLES};
use bureau_core::sea_orm::prelude::DateTimeWithTimeZone;
use bureau_core::sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Database,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use bureau_core::testing::{TestApp, TestDatabase};
use bureau_core::{AppState, Error, Policy};

use crate::probe::Probe;
use crate::support::{self, app_with, command, eventually_async, html};

const NOTE: &str = "probe.note";
const ACTIONS: [&str; 5] = ["view", "add", "change", "delete", "refund"];
/// Long enough for the one-second refresh job on a loaded CI machine.
const PROPAGATION: Duration = Duration::from_secs(8);

async fn add_user(
    state: &AppState,
    name: &str,
    active: bool,
    superuser: bool,
    roles: &[&str],
) -> user::Model {
    let joined: DateTimeWithTimeZone = "2026-11-01T09:00:00Z".parse().unwrap();
    let user = user::ActiveModel {
        id: NotSet,
        username: Set(name.to_owned()),
        username_key: Set(name.to_lowercase()),
        email: Set(format!("{name}@example.com")),
        email_key: Set(format!("{name}@example.com")),
        password: Set("!".to_owned()),
        is_active: Set(active),
        is_staff: Set(!roles.is_empty()),
        is_superuser: Set(superuser),
        email_verified: Set(true),
        date_joined: Set(joined),
        last_login: Set(None),
    }
    .insert(state.db())
    .await
    .unwrap();
    for role in roles {
        assert!(
            state
                .rbac()
                .assign(state.db(), user.id, role)
                .await
                .unwrap(),
            "assigning {role} to {name}"
        );
    }
    user
}

async fn allows(state: &AppState, user: &user::Model, object: &str, action: &str) -> bool {
    state
        .rbac()
        .allows(state.db(), user, object, action)
        .await
        .unwrap()
}

/// Every rule in the table, as `p, role, object, action` / `g, role, parent`.
async fn rules(db: &DatabaseConnection) -> BTreeSet<String> {
    casbin_rule::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            [r.ptype, r.v0, r.v1, r.v2, r.v3, r.v4, r.v5]
                .into_iter()
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

async fn role_names(db: &DatabaseConnection) -> BTreeSet<String> {
    role::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect()
}

async fn version(db: &DatabaseConnection) -> i64 {
    rbac_state::Entity::find_by_id(1)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .version
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

#[tokio::test]
async fn rbac_matrix_of_users_and_permissions() {
    let (app, _probe) = support::spawn().await;
    let state = app.state();
    // The probe grants `staff` view, `store_manager` refund (and view through `staff`),
    // `customer` add, `probe_editor` change (and whatever `probe_viewer` has: nothing).
    let users = [
        add_user(state, "root", true, true, &[]).await,
        add_user(state, "sam", true, false, &["staff"]).await,
        add_user(state, "mia", true, false, &["store_manager"]).await,
        add_user(state, "cy", true, false, &["customer"]).await,
        add_user(state, "duo", true, false, &["staff", "customer"]).await,
        add_user(state, "ed", true, false, &["probe_editor"]).await,
        add_user(state, "ina", false, false, &["store_manager"]).await,
        add_user(state, "gone", false, true, &[]).await,
        add_user(state, "nobody", true, false, &[]).await,
    ];

    let mut actual = Vec::new();
    for user in &users {
        let mut row = Vec::new();
        for action in ACTIONS {
            row.push(allows(state, user, NOTE, action).await);
        }
        actual.push((user.username.as_str(), row));
    }
    let (t, f) = (true, false);
    let expected = vec![
        // view, add, change, delete, refund
        ("root", vec![t, t, t, t, t]),
        ("sam", vec![t, f, f, f, f]),
        ("mia", vec![t, f, f, f, t]),
        ("cy", vec![f, t, f, f, f]),
        ("duo", vec![t, t, f, f, f]),
        ("ed", vec![f, f, t, f, f]),
        ("ina", vec![f, f, f, f, f]),
        ("gone", vec![f, f, f, f, f]),
        ("nobody", vec![f, f, f, f, f]),
    ];
    assert_eq!(actual, expected);

    // A superuser may do anything to anything; a role only what it was given.
    let [root, sam, mia, ..] = &users;
    assert!(allows(state, root, "store.order", "moderate").await);
    assert!(!allows(state, mia, "store.order", "delete").await);

    let refused = state
        .rbac()
        .require(state.db(), sam, NOTE, "refund")
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Forbidden(m) if m == "you do not have permission to refund probe.note"),
        "{refused:?}"
    );
    state
        .rbac()
        .require(state.db(), mia, NOTE, "refund")
        .await
        .unwrap();

    // Over HTTP, a refusal is a 403 page naming what was refused.
    let check = |user: &user::Model, action: &str| {
        format!(
            "/probe/rbac-check?user={}&object={NOTE}&action={action}",
            user.id
        )
    };
    let allowed = app.get(&check(mia, "refund")).await;
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.text().await.unwrap(), "allowed");
    let forbidden = app.get(&check(sam, "refund")).await;
    assert_eq!(forbidden.status(), 403);
    // The page capitalises the message.
    let page = html(&forbidden.text().await.unwrap());
    assert!(
        page.contains("You do not have permission to refund probe.note"),
        "{page}"
    );
    let inactive = &users[6];
    assert_eq!(app.get(&check(inactive, "view")).await.status(), 403);
}

#[tokio::test]
async fn rbac_changes_count_at_once_on_the_instance_that_made_them() {
    let (app, _probe) = support::spawn().await;
    let state = app.state();
    let (rbac, db) = (state.rbac(), state.db());
    let ed = add_user(state, "ed", true, false, &["probe_editor"]).await;
    let mia = add_user(state, "mia", true, false, &["store_manager"]).await;
    assert!(!allows(state, &ed, NOTE, "view").await);

    // A grant to a parent role reaches the roles inheriting it.
    let before = version(db).await;
    assert!(rbac.grant(db, "probe_viewer", NOTE, "view").await.unwrap());
    assert!(version(db).await > before, "a change moves the version");
    assert!(allows(state, &ed, NOTE, "view").await);
    assert!(!rbac.grant(db, "probe_viewer", NOTE, "view").await.unwrap());

    assert!(rbac.revoke(db, "probe_viewer", NOTE, "view").await.unwrap());
    assert!(!allows(state, &ed, NOTE, "view").await);
    assert!(!rbac.revoke(db, "probe_viewer", NOTE, "view").await.unwrap());

    // Inheritance can be undone and redone.
    assert!(rbac.disinherit(db, "store_manager", "staff").await.unwrap());
    assert!(!allows(state, &mia, NOTE, "view").await);
    assert!(allows(state, &mia, NOTE, "refund").await);
    assert!(rbac.inherit(db, "store_manager", "staff").await.unwrap());
    assert!(allows(state, &mia, NOTE, "view").await);

    // Wildcards: every object for one action, every action on one object. Granting to a role
    // that has no row yet creates it.
    assert!(rbac.grant(db, "auditor", "*", "view").await.unwrap());
    assert!(rbac.grant(db, "notes_admin", NOTE, "*").await.unwrap());
    assert!(role_names(db).await.contains("auditor"));
    let aud = add_user(state, "aud", true, false, &["auditor"]).await;
    let nat = add_user(state, "nat", true, false, &["notes_admin"]).await;
    assert!(allows(state, &aud, NOTE, "view").await);
    assert!(allows(state, &aud, "store.order", "view").await);
    assert!(!allows(state, &aud, NOTE, "change").await);
    assert!(allows(state, &nat, NOTE, "moderate").await);
    assert!(!allows(state, &nat, "store.order", "view").await);

    // Assignments count at once, and are reported when they change nothing.
    assert!(!rbac.assign(db, aud.id, "auditor").await.unwrap());
    assert!(rbac.unassign(db, aud.id, "auditor").await.unwrap());
    assert!(!rbac.unassign(db, aud.id, "auditor").await.unwrap());
    assert!(!allows(state, &aud, NOTE, "view").await);
    assert_eq!(rbac.roles_of(db, nat.id).await.unwrap(), ["notes_admin"]);

    // Mistakes are refused with a message, not written.
    for refused in [
        rbac.assign(db, aud.id, "no_such_role").await,
        rbac.assign(db, 999_999, "auditor").await,
        rbac.grant(db, "Bad Role", NOTE, "view").await,
        rbac.grant(db, "auditor", "notes", "view").await,
        rbac.inherit(db, "auditor", "auditor").await,
    ] {
        assert!(matches!(refused, Err(Error::BadRequest(_))), "{refused:?}");
    }
}

#[tokio::test]
async fn rbac_defaults_are_seeded_once_and_deleted_defaults_stay_deleted() {
    let bureau = app_with(&Probe::default());
    let app = TestApp::spawn(&bureau).await;
    let db = app.state().db().clone();

    let roles = role_names(&db).await;
    for name in DEFAULT_ROLES
        .iter()
        .map(|r| r.name)
        .chain(["probe_editor", "probe_viewer"])
    {
        assert!(roles.contains(name), "role {name} missing from {roles:?}");
    }
    let staff = role::Entity::find()
        .filter(role::Column::Name.eq("staff"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(!staff.description.is_empty());
    let seeded = rules(&db).await;
    for rule in [
        "p, staff, probe.note, view",
        "p, store_manager, probe.note, refund",
        "p, probe_editor, probe.note, change",
        "g, probe_editor, probe_viewer",
        "g, store_manager, staff",
        "g, content_editor, staff",
        "g, moderator, staff",
    ] {
        assert!(seeded.contains(rule), "{rule} missing from {seeded:?}");
    }
    assert!(!seeded.iter().any(|r| r.starts_with("g, customer")));

    // An administrator removes some defaults.
    let rbac = app.state().rbac();
    assert!(rbac.revoke(&db, "staff", NOTE, "view").await.unwrap());
    assert!(rbac.disinherit(&db, "moderator", "staff").await.unwrap());
    role::Entity::delete_many()
        .filter(role::Column::Name.eq("customer"))
        .exec(&db)
        .await
        .unwrap();
    let records = policy_seed::Entity::find().count(&db).await.unwrap();

    // A restart with a newer probe that brings one more default.
    let newer = app_with(&Probe {
        extra_policies: vec![Policy::allow("moderator", NOTE, "moderate")],
        ..Probe::default()
    });
    let app = app.restart(&newer).await;
    let db = app.state().db().clone();

    let now = rules(&db).await;
    assert!(!now.contains("p, staff, probe.note, view"), "{now:?}");
    assert!(!now.contains("g, moderator, staff"), "{now:?}");
    assert!(!role_names(&db).await.contains("customer"));
    assert!(
        now.contains("p, moderator, probe.note, moderate"),
        "{now:?}"
    );
    let mut expected = seeded.clone();
    expected.remove("p, staff, probe.note, view");
    expected.remove("g, moderator, staff");
    expected.insert("p, moderator, probe.note, moderate".to_owned());
    assert_eq!(now, expected);
    assert_eq!(
        policy_seed::Entity::find().count(&db).await.unwrap(),
        records + 1,
        "only the new rule is recorded"
    );

    // The restarted app enforces what is in the table.
    let state = app.state();
    let mod_user = add_user(state, "mo", true, false, &["moderator"]).await;
    assert!(allows(state, &mod_user, NOTE, "moderate").await);
    let sam = add_user(state, "sam", true, false, &["staff"]).await;
    assert!(!allows(state, &sam, NOTE, "view").await);
}

#[tokio::test]
async fn rbac_migrate_command_seeds_the_defaults() {
    let bureau = app_with(&Probe::default());
    let database = TestDatabase::create().await;
    command(&bureau, &database, &["migrate", "up"])
        .await
        .unwrap();

    let db = Database::connect(&database.url).await.unwrap();
    assert!(rules(&db).await.contains("p, staff, probe.note, view"));
    assert!(role_names(&db).await.contains("store_manager"));
    db.close().await.unwrap();
}

#[tokio::test]
async fn rbac_changes_reach_another_instance_without_restart() {
    let (a, probe) = support::spawn().await;
    let b = app_with(&probe).start(&a.source).await.unwrap();
    let (on_a, on_b) = (a.state(), b.state());
    let tess = add_user(on_a, "tess", true, false, &["customer"]).await;
    // B loads its rules now, before the change.
    assert!(!allows(on_b, &tess, NOTE, "moderate").await);

    assert!(
        on_a.rbac()
            .grant(on_a.db(), "customer", NOTE, "moderate")
            .await
            .unwrap()
    );
    assert!(allows(on_a, &tess, NOTE, "moderate").await);
    eventually_async(PROPAGATION, async || {
        allows(on_b, &tess, NOTE, "moderate").await
    })
    .await;

    assert!(
        on_a.rbac()
            .revoke(on_a.db(), "customer", NOTE, "moderate")
            .await
            .unwrap()
    );
    eventually_async(PROPAGATION, async || {
        !allows(on_b, &tess, NOTE, "moderate").await
    })
    .await;

    // A rule written straight into the table (as the admin will) and announced with `changed`.
    casbin_rule::ActiveModel {
        id: NotSet,
        ptype: Set("p".into()),
        v0: Set("customer".into()),
        v1: Set(NOTE.into()),
        v2: Set("delete".into()),
        v3: Set(String::new()),
        v4: Set(String::new()),
        v5: Set(String::new()),
    }
    .insert(on_a.db())
    .await
    .unwrap();
    on_a.rbac().changed(on_a.db()).await.unwrap();
    assert!(allows(on_a, &tess, NOTE, "delete").await);
    eventually_async(PROPAGATION, async || {
        allows(on_b, &tess, NOTE, "delete").await
    })
    .await;

    // Assignments are read on every check: at once, everywhere.
    assert!(
        on_a.rbac()
            .unassign(on_a.db(), tess.id, "customer")
            .await
            .unwrap()
    );
    assert!(!allows(on_b, &tess, NOTE, "delete").await);

    b.shutdown().await.unwrap();
}

#[tokio::test]
async fn rbac_adapter_round_trips_through_casbins_api() {
    let (app, _probe) = support::spawn().await;
    let state = app.state();
    let db = state.db().clone();
    let rule = |action: &str| strings(&["tester", NOTE, action]);
    role::ActiveModel {
        id: NotSet,
        name: Set("tester".into()),
        description: Set(String::new()),
    }
    .insert(&db)
    .await
    .unwrap();
    let tina = add_user(state, "tina", true, false, &["tester"]).await;
    assert!(!allows(state, &tina, NOTE, "add").await);

    let mut e = rbac::enforcer(db.clone()).await.unwrap();
    let before = version(&db).await;
    assert!(e.add_policy(rule("view")).await.unwrap());
    assert!(
        version(&db).await > before,
        "adapter writes move the version"
    );
    assert!(
        !e.add_policy(rule("view")).await.unwrap(),
        "a duplicate is declined, not a unique-constraint error"
    );
    assert!(
        e.add_policies(vec![rule("add"), rule("change")])
            .await
            .unwrap()
    );
    assert!(
        !e.add_policies(vec![rule("delete"), rule("add")])
            .await
            .unwrap(),
        "a batch holding a known rule adds nothing"
    );
    assert!(
        e.add_grouping_policy(strings(&["tester", "staff"]))
            .await
            .unwrap()
    );
    assert!(e.remove_policy(rule("change")).await.unwrap());
    assert!(!e.remove_policy(rule("change")).await.unwrap());

    // A fresh enforcer reads back exactly what the first one holds.
    let fresh = rbac::enforcer(db.clone()).await.unwrap();
    let sorted = |mut v: Vec<Vec<String>>| {
        v.sort();
        v
    };
    assert_eq!(sorted(fresh.get_policy()), sorted(e.get_policy()));
    assert_eq!(
        sorted(fresh.get_grouping_policy()),
        sorted(e.get_grouping_policy())
    );
    assert_eq!(
        sorted(fresh.get_filtered_policy(0, strings(&["tester"]))),
        [rule("add"), rule("view")]
    );
    assert!(fresh.enforce(("tester", NOTE, "add")).unwrap());
    assert!(!fresh.enforce(("tester", NOTE, "delete")).unwrap());

    // The app's own checks notice writes made through the adapter.
    eventually_async(PROPAGATION, async || {
        allows(state, &tina, NOTE, "add").await
    })
    .await;

    assert!(
        e.remove_filtered_policy(0, strings(&["tester"]))
            .await
            .unwrap()
    );
    let fresh = rbac::enforcer(db.clone()).await.unwrap();
    assert!(
        fresh
            .get_filtered_policy(0, strings(&["tester"]))
            .is_empty()
    );
    assert!(fresh.has_grouping_policy(strings(&["tester", "staff"])));

    // Saving writes the whole in-memory policy back.
    e.enable_auto_save(false);
    assert!(e.add_policy(rule("moderate")).await.unwrap());
    assert!(
        !rbac::enforcer(db.clone())
            .await
            .unwrap()
            .has_policy(rule("moderate"))
    );
    e.save_policy().await.unwrap();
    let fresh = rbac::enforcer(db.clone()).await.unwrap();
    assert_eq!(sorted(fresh.get_policy()), sorted(e.get_policy()));
    assert_eq!(
        sorted(fresh.get_grouping_policy()),
        sorted(e.get_grouping_policy())
    );
    assert!(fresh.has_policy(rule("moderate")));

    // Filtered loading keeps only the matching rules.
    let mut filtered = rbac::enforcer(db.clone()).await.unwrap();
    filtered
        .load_filtered_policy(Filter {
            p: vec!["staff"],
            g: vec!["", "staff"],
        })
        .await
        .unwrap();
    assert!(filtered.is_filtered());
    let p = filtered.get_policy();
    assert!(!p.is_empty() && p.iter().all(|r| r[0] == "staff"), "{p:?}");
    let g = filtered.get_grouping_policy();
    assert!(!g.is_empty() && g.iter().all(|r| r[1] == "staff"), "{g:?}");

    // Clearing empties the table.
    e.enable_auto_save(true);
    e.clear_policy().await.unwrap();
    assert!(rules(&db).await.is_empty());
    eventually_async(PROPAGATION, async || {
        !allows(state, &tina, NOTE, "add").await
    })
    .await;
}
