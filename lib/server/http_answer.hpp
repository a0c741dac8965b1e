#pragma once
// What the local API answers to one request: a reply, or the start of a WebSocket or SSE
// stream. Page providers (the widget host) answer with it too: one answer type for the server.
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sb {

class ClientSession;

struct HttpAnswer {
  enum class Action { reply, websocket, sse };
  Action action = Action::reply;
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Location for a redirect
  std::shared_ptr<ClientSession> session;                    // websocket and sse
};

inline HttpAnswer text_answer(int status, std::string body) {
  HttpAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

// `body` is one JSON value; a newline is added (curl shows it on a line of its own).
inline HttpAnswer json_answer(int status, std::string body) {
  HttpAnswer answer = text_answer(status, std::move(body));
  answer.content_type = "application/json";
  answer.body.push_back('\n');
  return answer;
}

inline HttpAnswer content_answer(std::string content_type, std::string body) {
  HttpAnswer answer = text_answer(200, std::move(body));
  answer.content_type = std::move(content_type);
  return answer;
}

}  // namespace sb
