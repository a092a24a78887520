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

namespace {

// One tensor a module's state dict holds: a parameter, a float buffer or an int64 buffer.
struct Slot {
  std::string name;
  std::vector<Index> shape;
  Tensor* tensor = nullptr;         // parameters and float buffers
  std::int64_t* integer = nullptr;  // int64 buffers (shape [])
};

std::vector<Slot> slots_of(const Module& module) {
  auto params = module.named_parameters();
  const auto shapes = module.parameter_shapes();
  LOCKSTEP_CHECK(params.size() == shapes.size(), "state_dict: ", params.size(), " parameters but ",
                 shapes.size(), " shapes");
  std::vector<Slot> slots;
  for (std::size_t i = 0; i < params.size(); ++i)
    slots.push_back({params[i].first, shapes[i], &params[i].second.value(), nullptr});
  for (const auto& b : module.named_buffers())
    slots.push_back({b.name, b.shape, b.tensor, b.integer});
  return slots;
}

}  // namespace

std::vector<SafetensorsEntry> state_dict(const Module& module) {
  std::vector<SafetensorsEntry> entries;
  for (const Slot& s : slots_of(module)) {
    if (s.integer != nullptr) {
      entries.push_back(SafetensorsEntry::int64(s.name, s.shape, {*s.integer}));
    } else {
      entries.push_back({s.name, s.shape, *s.tensor});
    }
  }
  return entries;
}

void load_state_dict(Module& module, const std::vector<SafetensorsEntry>& entries,
                     const std::string& source) {
  std::map<std::string, const SafetensorsEntry*> by_name;
  for (const auto& e : entries) {
    LOCKSTEP_CHECK(by_name.emplace(e.name, &e).second, "load_state_dict(", source, "): tensor '",
                   e.name, "' appears more than once");
  }
  const std::vector<Slot> slots = slots_of(module);

  // All checks before the first copy, so a failed load leaves the module as it was.
  std::vector<std::string> missing, unexpected, mismatched, integer, floating;
  for (const Slot& slot : slots) {
    const auto it = by_name.find(slot.name);
    if (it == by_name.end()) {
      missing.push_back(slot.name);
      continue;
    }
    const SafetensorsEntry& e = *it->second;
    Index numel = 1;
    for (Index d : e.shape) numel *= d;
    const bool want_integer = slot.integer != nullptr;
    if (want_integer && e.dtype != SafetensorsDtype::kI64) {
      floating.push_back(e.name);
    } else if (!want_integer && e.dtype != SafetensorsDtype::kF32) {
      integer.push_back(e.name);
    } else if (e.shape != slot.shape || e.numel() != numel) {
      mismatched.push_back(detail::str_cat("'", e.name, "': expected ", shape_text(slot.shape),
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
  if (!floating.empty())
    problems +=
        "; floating-point tensors where an integer (I64) count belongs: " + name_list(floating);
  LOCKSTEP_CHECK(problems.empty(), "load_state_dict(", source,
                 "): the tensors do not match the module's parameters", problems);

  std::map<std::string, const SafetensorsEntry*> lookup;
  for (const auto& e : entries) lookup.emplace(e.name, &e);
  for (const Slot& slot : slots) {
    const SafetensorsEntry& e = *lookup.at(slot.name);
    if (slot.integer != nullptr) {
      *slot.integer = e.int64s.at(0);
    } else {
      slot.tensor->copy_(e.tensor.reshape(slot.tensor->shape()));
    }
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
