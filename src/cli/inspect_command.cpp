// `lockstep inspect`: what a .safetensors file (model or checkpoint) holds.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "lockstep/core/printable.hpp"
#include "lockstep/io/safetensors.hpp"
#include "lockstep/train/model_file.hpp"

namespace lockstep::cli {

Command add_inspect_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* i =
      app.add_subcommand("inspect", "Show the tensors and metadata of a .safetensors file");
  i->add_option("PATH", *path,
                "Model (train --save) or checkpoint (DIR/checkpoint.safetensors) file")
      ->required();
  return [path]() -> int {
    SafetensorsFile file = read_safetensors(*path);
    std::printf("%s\n", printable(*path).c_str());
    if (file.metadata.count("architecture")) {
      ModelInfo info = model_info_from_metadata(file.metadata, *path);
      std::printf("model: %s (%s, loss %s)\n", printable(describe(info.spec)).c_str(),
                  info.classification ? "classification" : "regression",
                  printable(info.loss).c_str());
      if (info.classification) {
        std::printf("classes:");
        for (const auto& n : info.class_names) std::printf(" %s", printable(n).c_str());
        std::printf("\n");
      }
      std::printf("standardized: %s\n",
                  info.mean.empty() ? "no" : "yes (training-split statistics)");
      if (!info.version.empty())
        std::printf("written by lockstep %s\n", printable(info.version).c_str());
    }
    Index total = 0;
    std::printf("tensors:\n");
    for (const SafetensorsEntry& e : file.entries) {
      std::string shape = "[";
      for (std::size_t k = 0; k < e.shape.size(); ++k)
        shape += (k ? ", " : "") + std::to_string(e.shape[k]);
      shape += "]";
      std::printf("  %-32s %s %s\n", printable(e.name).c_str(),
                  e.dtype == SafetensorsDtype::kI64 ? "I64" : "F32", shape.c_str());
      total += e.numel();
    }
    std::printf("%lld values in %zu tensors\n", (long long)total, file.entries.size());
    std::printf("metadata:\n");
    for (const auto& [k, v] : file.metadata) {
      std::string shown = v.size() > 200 ? v.substr(0, 200) + "..." : v;
      std::printf("  %s: %s\n", printable(k).c_str(), printable(shown).c_str());
    }
    return 0;
  };
}

}  // namespace lockstep::cli
