// cli/errors.h — `synstorm errors [NAME]`: what a socket call's error means, per OS.
//
// The reasons are model/socket_errors.h's table, the names model/socket_api.h's
// error_name(): this command only formats them.
#pragma once

#include <optional>
#include <string>

namespace cli {

// With no name: every error the simulated socket calls return, one line each. With a name
// (WSAEISCONN, EISCONN; any case): for each OS that returns it, the calls that do and why,
// the source and the teaching scenario that shows it. nullopt (and `problem` set, with a
// "did you mean") when no OS has an error of that name.
std::optional<std::string> errors_text(const std::string& name, std::string& problem);

}  // namespace cli
