//! Run-time control shared by both mocks: faults (read, replace, outage now, stats) and tokens.

use crate::faults::{FaultConfig, Faults};
use crate::tokens::TokenStore;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

pub trait Controlled: Send + Sync + 'static {
    fn faults(&self) -> &Faults;
    fn tokens(&self) -> &TokenStore;
}

#[derive(Deserialize)]
struct Outage {
    duration_ms: u64,
}

#[derive(Deserialize)]
struct Ttl {
    seconds: i64,
}

async fn get_faults<S: Controlled>(state: web::Data<S>) -> HttpResponse {
    HttpResponse::Ok().json(state.faults().config())
}

async fn put_faults<S: Controlled>(state: web::Data<S>, config: web::Json<FaultConfig>) -> HttpResponse {
    state.faults().set_config(config.into_inner());
    HttpResponse::Ok().json(state.faults().config())
}

async fn outage<S: Controlled>(state: web::Data<S>, body: web::Json<Outage>) -> HttpResponse {
    state.faults().outage_now(body.duration_ms);
    HttpResponse::Ok().json(state.faults().config())
}

async fn stats<S: Controlled>(state: web::Data<S>) -> HttpResponse {
    HttpResponse::Ok().json(state.faults().stats())
}

async fn expire_tokens<S: Controlled>(state: web::Data<S>) -> HttpResponse {
    state.tokens().expire_all();
    HttpResponse::NoContent().finish()
}

async fn token_ttl<S: Controlled>(state: web::Data<S>, body: web::Json<Ttl>) -> HttpResponse {
    state.tokens().set_ttl_seconds(body.seconds);
    HttpResponse::NoContent().finish()
}

pub fn configure<S: Controlled>(cfg: &mut web::ServiceConfig) {
    cfg.route("/_admin/faults", web::get().to(get_faults::<S>))
        .route("/_admin/faults", web::put().to(put_faults::<S>))
        .route("/_admin/faults/outage", web::post().to(outage::<S>))
        .route("/_admin/faults/stats", web::get().to(stats::<S>))
        .route("/_admin/tokens/expire", web::post().to(expire_tokens::<S>))
        .route("/_admin/tokens/ttl", web::put().to(token_ttl::<S>));
}
