// Boost.URL compiled into the Windows build from its headers (Debian ships the library for
// Linux only): the one translation unit that includes its sources.
#include <boost/url/src.hpp>
