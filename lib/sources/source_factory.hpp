#pragma once
#include <memory>

#include "sources/source_config.hpp"
#include "event/source_status.hpp"

namespace boost::asio {
class io_context;
}

namespace sb {

// The Source for one [[source]] section.
std::unique_ptr<Source> make_source(boost::asio::io_context& io, const SourceConfig& config, EventSink sink);

}  // namespace sb
