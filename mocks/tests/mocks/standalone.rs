//! The `mocks` binary runs each portal standalone.

use serde_json::Value;
use std::process::{Command, Stdio};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[actix_web::test]
async fn the_binary_serves_each_portal() {
    for (portal, probe) in [("bhxh", "/_admin/state"), ("moh", "/_admin/state")] {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mocks"))
            .args([portal, "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the mocks binary");
        let client = reqwest::Client::new();
        let mut answer = None;
        for _ in 0..100 {
            if let Ok(r) = client.get(format!("http://127.0.0.1:{port}{probe}")).send().await {
                answer = Some(r.json::<Value>().await.unwrap());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let answer = answer.unwrap_or_else(|| panic!("{portal} mock did not answer"));
        assert!(answer["faults"]["requests"].is_u64(), "{portal}: {answer}");
    }
}
