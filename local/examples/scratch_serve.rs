fn main() {
    let s = dynamorm_local::LocalServer::start().unwrap();
    println!("{}", s.endpoint());
    std::thread::sleep(std::time::Duration::from_secs(3600));
}
