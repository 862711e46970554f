//! The app's HTTPS: its client (`polso_desktop::sync::UreqTransport`) speaks TLS through the
//! system's OpenSSL and trusts what the system's trust store trusts, so an organisation server
//! whose certificate comes from the company's own authority, installed on its computers, is
//! reached; a certificate nothing there vouches for is refused, and no request goes out.
//!
//! The trust store is the one OpenSSL reads from `SSL_CERT_FILE` and `SSL_CERT_DIR`, set for a
//! process of the app's client alone (`polso-faults-https-probe`), against the real server
//! binary serving HTTPS with a certificate made here.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, ensure};
use polso_faults::server::server_binary;
use polso_test_support::server::ServerProcess;

const PROBE: &str = env!("CARGO_BIN_EXE_polso-faults-https-probe");

/// Runs the app's client against `url` with `certificates` as the whole trust store.
fn probe(url: &str, certificates: &Path, empty_directory: &Path) -> Result<(bool, String)> {
    let output = Command::new(PROBE)
        .arg(url)
        .env("SSL_CERT_FILE", certificates)
        .env("SSL_CERT_DIR", empty_directory)
        .output()
        .context("starting the HTTPS probe")?;
    Ok((output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned()))
}

#[test]
fn the_app_trusts_the_systems_certificate_authorities_and_nothing_else() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let certificate = directory.path().join("cert.pem");
    let key = directory.path().join("key.pem");
    std::fs::write(&certificate, certified.cert.pem())?;
    std::fs::write(&key, certified.signing_key.serialize_pem())?;
    let no_certificates = directory.path().join("none.pem");
    std::fs::write(&no_certificates, "")?;
    let empty_directory = directory.path().join("no-certificates");
    std::fs::create_dir(&empty_directory)?;

    let mut command = Command::new(server_binary());
    command.arg("--db").arg(directory.path().join("server.db")).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
    ]);
    command.arg(&certificate).arg("--tls-key").arg(&key);
    let server = ServerProcess::spawn(command, Arc::default())?;
    ensure!(server.url().starts_with("https://"), "the server does not serve HTTPS: {}", server.url());

    let (answered, said) = probe(server.url(), &certificate, &empty_directory)?;
    ensure!(answered && said.starts_with("200 "), "trusting the server's authority: {said}");
    ensure!(said.contains(r#""status":"ok""#), "{said}");

    let (answered, said) = probe(server.url(), &no_certificates, &empty_directory)?;
    ensure!(!answered, "a certificate nothing vouches for was accepted: {said}");
    ensure!(said.to_lowercase().contains("certificate"), "the refusal does not name the certificate: {said}");
    Ok(())
}
