#include "lockstep/io/state_dict.hpp"

#include <map>

#include "lockstep/core/error.hpp"
#include "tensor/shape_text.hpp"

namespace lockstep {

namespace {

using detail::shape_text;

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

}  // namespace

std::vector<SafetensorsEntry> state_dict(const Module& module) {
  const auto params = module.named_parameters();
  const auto shapes = module.parameter_shapes();
  LOCKSTEP_CHECK(params.size() == shapes.size(), "state_dict: ", params.size(), " parameters but ",
                 shapes.size(), " shapes");
  std::vector<SafetensorsEntry> entries;
  entries.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i)
    entries.push_back({params[i].first, shapes[i], params[i].second.value()});
  return entries;
}

void load_state_dict(Module& module, const std::vector<SafetensorsEntry>& entries,
                     const std::string& source) {
  std::map<std::string, const SafetensorsEntry*> by_name;
  for (const auto& e : entries) {
    LOCKSTEP_CHECK(by_name.emplace(e.name, &e).second, "load_state_dict(", source, "): tensor '",
                   e.name, "' appears more than once");
  }
  auto params = module.named_parameters();
  const auto shapes = module.parameter_shapes();

  // All checks before the first copy, so a failed load leaves the module as it was.
  std::vector<std::string> missing, unexpected, mismatched, integer;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto it = by_name.find(params[i].first);
    if (it == by_name.end()) {
      missing.push_back(params[i].first);
      continue;
    }
    const SafetensorsEntry& e = *it->second;
    Index numel = 1;
    for (Index d : e.shape) numel *= d;
    if (e.dtype != SafetensorsDtype::kF32) {
      integer.push_back(e.name);
    } else if (e.shape != shapes[i] || e.tensor.numel() != numel) {
      mismatched.push_back(detail::str_cat("'", e.name, "': expected ", shape_text(shapes[i]),
                                           ", got ", shape_text(e.shape)));
    }
    by_name.erase(it);
  }
  for (const auto& [name, _] : by_name) unexpected.push_back(name);
  std::string problems;
  if (!missing.empty()) problems += "; missing tensors: " + name_list(missing);
  if (!unexpected.empty()) problems += "; unexpected tensors: " + name_list(unexpected);
  for (const auto& m : mismatched) problems += "; shape mismatch for " + m;
  if (!integer.empty())
    problems += "; integer (I64) tensors, not floating-point: " + name_list(integer);
  LOCKSTEP_CHECK(problems.empty(), "load_state_dict(", source,
                 "): the tensors do not match the module's parameters", problems);

  std::map<std::string, const SafetensorsEntry*> lookup;
  for (const auto& e : entries) lookup.emplace(e.name, &e);
  for (auto& [name, var] : params) {
    Tensor& storage = var.value();
    storage.copy_(lookup.at(name)->tensor.reshape(storage.shape()));
  }
}

void save_module(const std::filesystem::path& path, const Module& module,
                 const SafetensorsMetadata& metadata) {
  write_safetensors(path, state_dict(module), metadata);
}

SafetensorsMetadata load_module(const std::filesystem::path& path, Module& module) {
  SafetensorsFile file = read_safetensors(path);
  load_state_dict(module, file.entries, detail::str_cat("'", path.string(), "'"));
  return std::move(file.metadata);
}

}  // namespace lockstep
