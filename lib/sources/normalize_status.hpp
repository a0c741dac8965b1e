#pragma once
// What a normalizer made of one upstream message.
namespace sb {

enum class NormalizeStatus {
  event,      // `out` holds a normalized event
  ignored,    // a well-formed message that carries no event (counted, logged at debug)
  malformed,  // not parseable or not the expected shape (counted, logged with the reason)
};

}  // namespace sb
