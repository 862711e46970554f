//! TLS to PostgreSQL (issue 17): a PostgreSQL of its own with TLS on, its
//! certificate signed by a CA made in the test. The server trusting that CA
//! (`--database-ca`) connects with `sslmode=require` and every one of its
//! connections is encrypted; trusting only the system's roots, it refuses
//! the unknown certificate and writes nothing; a CA file that holds no
//! certificate is refused, naming it.

use std::process::Command;

use polso_server::PgServerStore;
use polso_test_support::postgres::TempPostgres;

const SERVER: &str = env!("CARGO_BIN_EXE_polso-server");

/// A CA, and a certificate for 127.0.0.1 that it signed with its key: (CA PEM, certificate PEM, key PEM).
fn ca_and_server_certificate() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Polso test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let server = server_params.signed_by(&server_key, &ca).unwrap();
    (ca.pem(), server.pem(), server_key.serialize_pem())
}

/// Runs the real binary with `arguments`: (success, stdout and stderr).
fn polso_server(arguments: &[&str]) -> (bool, String) {
    let output = Command::new(SERVER).args(arguments).env_remove("POLSO_DATABASE_URL").output().unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[ignore = "starts a PostgreSQL of its own with TLS (Debian's server binaries); cargo xtask test runs it"]
#[test]
fn the_server_reaches_postgresql_only_over_verified_tls() {
    let (ca_pem, certificate_pem, key_pem) = ca_and_server_certificate();
    let postgres = TempPostgres::start_with_tls(&certificate_pem, &key_pem).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let ca = directory.path().join("ca.pem");
    std::fs::write(&ca, &ca_pem).unwrap();
    let url = format!("{}?sslmode=require", postgres.url);

    // Not trusting the test's CA: refused before anything is written.
    let (ok, said) = polso_server(&["--database-url", &url, "init-org", "--name", "Acme"]);
    assert!(!ok, "{said}");
    assert!(said.to_lowercase().contains("certificate"), "the refusal should name the certificate: {said}");
    let mut plain = postgres::Client::connect(&postgres.url, postgres::NoTls).unwrap();
    let tables: i64 = plain
        .query_one("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", &[])
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "nothing may be written over a connection that was not verified");

    // Trusting it: the real binary creates an organisation.
    let (ok, said) = polso_server(&[
        "--database-url",
        &url,
        "--database-ca",
        ca.to_str().unwrap(),
        "init-org",
        "--name",
        "Acme",
    ]);
    assert!(ok, "{said}");

    // Every connection the store holds is encrypted.
    let store = PgServerStore::open_trusting(&url, Some(&ca)).unwrap();
    let (encrypted, plain_ones): (i64, i64) = {
        let row = plain
            .query_one(
                "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl) \
                 FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = 'polso-server'",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert!(encrypted >= 1, "the store holds no encrypted connection");
    assert_eq!(plain_ones, 0, "the store holds a plain connection");
    drop(store);

    // A CA file with no certificate in it is refused, naming the file.
    let empty = directory.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let error = PgServerStore::open_trusting(&url, Some(&empty)).unwrap_err().to_string();
    assert!(error.contains("empty.pem") && error.contains("no certificate"), "{error}");
}
