//! Running a mock: bind (port 0 for a free port), serve on the current runtime, stop.

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;

/// A mock listening on a port; dropping it does not stop it, `stop` does.
pub struct Running {
    pub url: String,
    pub port: u16,
    handle: ServerHandle,
}

impl Running {
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// Serves `configure`'s routes with `state` on `bind` (`127.0.0.1:0` for a free port), spawned on
/// the current Tokio runtime. Bodies up to 256 MiB are read: the portals take large files.
pub fn serve<S: Send + Sync + 'static>(
    state: web::Data<S>,
    configure: fn(&mut web::ServiceConfig),
    bind: &str,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(bind)?;
    let port = listener.local_addr()?.port();
    let server: Server = HttpServer::new(move || {
        App::new().app_data(state.clone()).app_data(web::PayloadConfig::new(256 * 1024 * 1024)).configure(configure)
    })
    .workers(2)
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(Running { url: format!("http://127.0.0.1:{port}"), port, handle })
}

/// Hex MD5 of a password, the way the BHXH portal wants it (upper case).
pub fn md5_upper(password: &str) -> String {
    use md5::Digest;
    hex::encode_upper(md5::Md5::digest(password.as_bytes()))
}

/// Accounts are `<MA_CSKCB>_BV` for one facility or `<province>_SYT` (Department of Health) for
/// every facility of the province. This is the mocks' model of who may send for whom.
pub fn may_act_for(username: &str, facility: &str) -> bool {
    if let Some(code) = username.strip_suffix("_BV") {
        return code == facility;
    }
    if let Some(province) = username.strip_suffix("_SYT") {
        return facility.len() == 5 && facility.starts_with(province);
    }
    false
}

/// `yyyyMMddHHmmss` in Vietnam time (UTC+7), as the portal stamps receipts.
pub fn vietnam_timestamp() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7)).format("%Y%m%d%H%M%S").to_string()
}
