#include "util/cli_args.hpp"

#include <algorithm>

namespace sb {

std::optional<std::string> CliArgs::value(std::string_view name) const {
  if (auto it = given_.find(name); it != given_.end()) return it->second;
  if (auto it = defaults_.find(name); it != defaults_.end()) return it->second;
  return std::nullopt;
}

struct CliParser {
  static CliParseResult parse(const std::vector<CliOption>& options, const std::vector<std::string>& argv) {
    CliParseResult result;
    for (const auto& option : options)
      if (!option.default_value.empty())
        result.args.defaults_.emplace(std::string(option.name), std::string(option.default_value));
    const auto fail = [&](std::string message) {
      result.error = std::move(message);
      result.args.given_.clear();
      return result;
    };
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& arg = argv[i];
      const CliOption* option = nullptr;
      std::optional<std::string> inline_value;
      std::string shown;  // the option as the user wrote it, for messages
      if (arg.size() > 2 && arg.starts_with("--")) {
        const auto eq = arg.find('=');
        const std::string_view name =
            std::string_view(arg).substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        if (eq != std::string::npos) inline_value = arg.substr(eq + 1);
        shown = "--" + std::string(name);
        const auto it =
            std::find_if(options.begin(), options.end(), [&](const CliOption& o) { return o.name == name; });
        if (it == options.end()) return fail("unrecognised option '" + shown + "'");
        option = &*it;
      } else if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
        shown = arg.substr(0, 2);
        const auto it =
            std::find_if(options.begin(), options.end(), [&](const CliOption& o) { return o.alias == arg[1]; });
        if (it == options.end()) return fail("unrecognised option '" + shown + "'");
        option = &*it;
        if (arg.size() > 2) {
          if (option->value_name.empty()) return fail("option '" + shown + "' takes no value (got '" + arg + "')");
          inline_value = arg.substr(2);
        }
      } else {
        return fail("unexpected argument '" + arg + "' (options start with --)");
      }
      const std::string long_name = "--" + std::string(option->name);
      if (result.args.given_.count(std::string(option->name)))
        return fail("option '" + long_name + "' given more than once");
      std::string value;
      if (option->value_name.empty()) {
        if (inline_value) return fail("option '" + long_name + "' takes no value");
      } else if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return fail("option '" + long_name + "' needs a value (" + std::string(option->value_name) + ")");
      }
      if (!option->value_name.empty() && value.empty())
        return fail("option '" + long_name + "' needs a value (" + std::string(option->value_name) +
                    "), got an empty one");
      result.args.given_.emplace(std::string(option->name), std::move(value));
    }
    return result;
  }
};

CliParseResult parse_cli(const std::vector<CliOption>& options, const std::vector<std::string>& argv) {
  return CliParser::parse(options, argv);
}

std::string format_cli_help(std::string_view caption, const std::vector<CliOption>& options) {
  std::vector<std::string> left;
  std::size_t width = 0;
  for (const auto& option : options) {
    std::string text = "  ";
    text += option.alias ? std::string("-") + option.alias + " [ --" + std::string(option.name) + " ]"
                         : "--" + std::string(option.name);
    if (!option.value_name.empty()) text += " " + std::string(option.value_name);
    if (!option.default_value.empty()) text += " (=" + std::string(option.default_value) + ")";
    width = std::max(width, text.size());
    left.push_back(std::move(text));
  }
  std::string out(caption);
  out += ":\n";
  for (std::size_t i = 0; i < options.size(); ++i) {
    out += left[i];
    out.append(width + 3 - left[i].size(), ' ');
    out += options[i].help;
    out += '\n';
  }
  return out;
}

}  // namespace sb
