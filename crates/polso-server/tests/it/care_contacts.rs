//! Duty of care (issue 16): the administrator's care contacts are stored and served to every
//! device of the organisation, the very same answer to each (so the read says nothing about
//! anyone's answers); bad input is refused naming the field, and nothing is written.

use axum::http::StatusCode;
use polso_server::care::{CareContactInput, CareRole, set_care_contacts};
use polso_server::error::ServerError;
use serde_json::{Value, json};

use crate::support::{WEEK, World, assert_error, get, now, report};

fn contact(name_en: &str, name_it: &str, contact: &str) -> CareContactInput {
    CareContactInput { name_en: name_en.into(), name_it: name_it.into(), contact: contact.into() }
}

async fn care_contacts(world: &World, device_token: &str) -> Value {
    let (status, body) = world.send(get("/v1/care-contacts", Some(device_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn the_contacts_set_are_stored_and_every_device_reads_the_same() {
    let world = World::new(&[2, 1]);
    let store = world.store.as_ref();
    let low = world.enrol(&world.teams[0][0]).await;
    let other_team = world.enrol(&world.teams[1][0]).await;

    // Before the administrator sets any, every contact is absent.
    let none = care_contacts(&world, &low).await;
    assert_eq!(
        none,
        json!({"employee_assistance": null, "occupational_doctor": null, "trusted_person": null})
    );

    set_care_contacts(
        store,
        &world.organisation_id,
        &[
            (
                CareRole::EmployeeAssistance,
                contact(
                    "Employee Assistance Programme",
                    "Programma di assistenza ai dipendenti",
                    "+39 02 1234 5678",
                ),
            ),
            (CareRole::OccupationalDoctor, contact("Dr Rossi", "Dott.ssa Rossi", " medico@example.it ")),
            (
                CareRole::TrustedPerson,
                contact("Trusted person", "Persona di fiducia", "https://intranet.example.it/fiducia"),
            ),
        ],
        now(),
    )
    .unwrap();

    // One device sends a report (its answers are whatever they are); the read is unchanged by it.
    world.report_ok(&low, report(WEEK, 1)).await;
    let read = care_contacts(&world, &low).await;
    assert_eq!(
        read,
        json!({
            "employee_assistance": {"name_en": "Employee Assistance Programme", "name_it": "Programma di assistenza ai dipendenti", "contact": "+39 02 1234 5678", "kind": "phone"},
            "occupational_doctor": {"name_en": "Dr Rossi", "name_it": "Dott.ssa Rossi", "contact": "medico@example.it", "kind": "email"},
            "trusted_person": {"name_en": "Trusted person", "name_it": "Persona di fiducia", "contact": "https://intranet.example.it/fiducia", "kind": "url"},
        })
    );
    // Byte for byte the same for a device of another team and department that sent nothing.
    let (_, raw_low) = world.send(get("/v1/care-contacts", Some(&low))).await;
    let (_, raw_other) = world.send(get("/v1/care-contacts", Some(&other_team))).await;
    assert_eq!(raw_low.to_string(), raw_other.to_string());
    // And what the store holds.
    assert_eq!(serde_json::to_value(store.care_contacts(&world.organisation_id).unwrap()).unwrap(), read);

    // The command states the whole set: one left out is removed.
    set_care_contacts(
        store,
        &world.organisation_id,
        &[(CareRole::TrustedPerson, contact("HR desk", "Sportello HR", "116 123"))],
        now(),
    )
    .unwrap();
    let after = care_contacts(&world, &other_team).await;
    assert!(after["employee_assistance"].is_null() && after["occupational_doctor"].is_null(), "{after}");
    assert_eq!(after["trusted_person"]["kind"], "phone");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    let world = World::new(&[1]);
    let store = world.store.as_ref();
    let good = contact("EAP", "PAD", "800 123 456");
    set_care_contacts(store, &world.organisation_id, &[(CareRole::EmployeeAssistance, good.clone())], now())
        .unwrap();
    let cases = [
        (
            CareRole::OccupationalDoctor,
            contact("Dr", "Dott.", "not a way to reach anyone"),
            "occupational_doctor.contact",
        ),
        (
            CareRole::OccupationalDoctor,
            contact("Dr", "Dott.", "http://doctor.example.it"),
            "occupational_doctor.contact",
        ),
        (CareRole::TrustedPerson, contact("", "Persona", "112"), "trusted_person.name_en"),
        (CareRole::TrustedPerson, contact("Person", &"p".repeat(101), "112"), "trusted_person.name_it"),
    ];
    for (role, bad, field) in cases {
        let error = set_care_contacts(
            store,
            &world.organisation_id,
            &[(CareRole::EmployeeAssistance, good.clone()), (role, bad)],
            now(),
        )
        .unwrap_err();
        assert!(
            matches!(&error, ServerError::InvalidInput(message) if message.starts_with(field)),
            "{error}"
        );
    }
    let twice = set_care_contacts(
        store,
        &world.organisation_id,
        &[(CareRole::EmployeeAssistance, good.clone()), (CareRole::EmployeeAssistance, good.clone())],
        now(),
    )
    .unwrap_err();
    assert!(twice.to_string().contains("employee_assistance"), "{twice}");
    // The first set stands untouched.
    let kept = store.care_contacts(&world.organisation_id).unwrap();
    assert_eq!(kept.employee_assistance.map(|contact| contact.contact), Some("800 123 456".to_owned()));
    assert!(kept.occupational_doctor.is_none() && kept.trusted_person.is_none());
}

#[tokio::test]
async fn the_read_needs_a_device_token_and_takes_no_parameter() {
    let world = World::new(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    assert_error(&world.send(get("/v1/care-contacts", None)).await, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_error(
        &world.send(get("/v1/care-contacts", Some(&world.hr_token))).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_error(
        &world.send(get("/v1/care-contacts?week=2026-W47", Some(&device))).await,
        StatusCode::BAD_REQUEST,
        "invalid_input",
    );
}
