#include "daemon/ctl/api_client.hpp"

#include <httplib.h>

#include <boost/json/parse.hpp>

namespace runbookd::ctl {

namespace {

ApiAnswer ToAnswer(const httplib::Result& res) {
  ApiAnswer a;
  if (!res) {
    a.error = "cannot reach runbookd: " + httplib::to_string(res.error());
    return a;
  }
  a.status = res->status;
  a.raw = res->body;
  boost::system::error_code ec;
  a.body = boost::json::parse(res->body, ec);
  if (ec) a.body = nullptr;
  if (a.status >= 400) {
    const auto* obj = a.body.if_object();
    const auto* err = obj ? obj->if_contains("error") : nullptr;
    a.error = "HTTP " + std::to_string(a.status) + ": " +
              (err && err->is_string() ? std::string(err->as_string()) : res->body);
  }
  return a;
}

}  // namespace

ApiClient::ApiClient(std::string base_url, std::optional<std::string> token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {}

ApiAnswer ApiClient::Get(const std::string& path) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  httplib::Headers headers;
  if (token_) headers.emplace("Authorization", "Bearer " + *token_);
  return ToAnswer(client.Get(path, headers));
}

ApiAnswer ApiClient::Post(const std::string& path, const std::string& json_body,
                          std::chrono::seconds read_timeout) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  client.set_read_timeout(read_timeout.count());
  httplib::Headers headers;
  if (token_) headers.emplace("Authorization", "Bearer " + *token_);
  return ToAnswer(client.Post(path, headers, json_body, "application/json"));
}

ApiAnswer ApiClient::Delete(const std::string& path) const {
  httplib::Client client(base_url_);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  httplib::Headers headers;
  if (token_) headers.emplace("Authorization", "Bearer " + *token_);
  return ToAnswer(client.Delete(path, headers));
}

}  // namespace runbookd::ctl
