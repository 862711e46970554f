//! Asks `URL` for `GET /v1/health` through the app's own HTTP client
//! (`polso_desktop::sync::UreqTransport`), for the TLS test to run under a trust store of its
//! choosing (`SSL_CERT_FILE`, `SSL_CERT_DIR`), which is read from the process's environment.
//! Prints the HTTP status and exits 0 when the server answered; prints why and exits 2 when
//! no answer came (a certificate the client does not trust among the reasons).

use polso_desktop::hr::HrTransport;
use polso_desktop::sync::UreqTransport;

fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: polso-faults-https-probe URL");
        std::process::exit(64);
    };
    match UreqTransport::new().get_json(&format!("{url}/v1/health"), "no-token") {
        Ok(answer) => println!("{} {}", answer.status, answer.body),
        Err(failure) => {
            println!("no answer: {}", failure.detail);
            std::process::exit(2);
        }
    }
}
