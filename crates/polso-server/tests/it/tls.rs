//! The real binary serving HTTPS with a certificate made in the test: a
//! client trusting that certificate gets `/v1/health`; plain HTTP on the same
//! port gets no HTTP answer.

use std::io::{Read, Write};
use std::process::Command;
use std::sync::Arc;

use polso_test_support::server::ServerProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SERVER: &str = env!("CARGO_BIN_EXE_polso-server");

#[tokio::test]
async fn serves_https_with_the_given_certificate_and_refuses_plain_http() {
    let directory = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let certificate_path = directory.path().join("cert.pem");
    let key_path = directory.path().join("key.pem");
    std::fs::write(&certificate_path, certified.cert.pem()).unwrap();
    std::fs::write(&key_path, certified.signing_key.serialize_pem()).unwrap();

    let mut command = Command::new(SERVER);
    command.arg("--db").arg(directory.path().join("server.db"));
    command.args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"]).arg(&certificate_path);
    command.arg("--tls-key").arg(&key_path);
    let server = ServerProcess::spawn(command, Arc::default()).unwrap();
    assert!(server.url().starts_with("https://"), "{}", server.url());
    let address = server.address().to_owned();

    // HTTPS, trusting only the test's certificate.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(&address).await.unwrap();
    let server_name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(server_name, tcp).await.unwrap();
    tls.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.unwrap_or_default();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#""status":"ok""#), "{response}");

    // Plain HTTP to the TLS port: no HTTP answer comes back.
    let mut plain = std::net::TcpStream::connect(&address).unwrap();
    plain.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    plain.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/"), "plain HTTP was answered: {}", String::from_utf8_lossy(&answer));
    assert!(!String::from_utf8_lossy(&answer).contains("\"ok\""));
    drop(server);
}
