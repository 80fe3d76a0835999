// SPDX-License-Identifier: Apache-2.0
#pragma once
// The conformance vectors of tests/fixtures/eventstream (copied from the shared spec).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace defender::eventstream::test {

inline const std::filesystem::path kVectorDir = DEFENDER_FIXTURES "/eventstream";

struct Vector {
    std::string name;
    std::string expect;  ///< "ok" or a FrameErrorKind name
    std::string bytes;
};

inline std::string from_hex(const std::string& hex) {
    if (hex.size() % 2) throw std::runtime_error("odd hex length");
    std::string bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2)
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return bytes;
}

inline std::vector<Vector> generic_vectors() {
    std::ifstream in(kVectorDir / "eventstream_generic.txt");
    if (!in) throw std::runtime_error("missing eventstream_generic.txt");
    std::vector<Vector> vectors;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        Vector vector;
        std::string hex;
        fields >> vector.name >> vector.expect >> hex;
        vector.bytes = from_hex(hex);
        vectors.push_back(std::move(vector));
    }
    return vectors;
}

inline std::string read_bin(const std::string& name) {
    std::ifstream in(kVectorDir / (name + ".bin"), std::ios::binary);
    if (!in) throw std::runtime_error("missing vector " + name);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// The twelve Greengrass IPC vectors, by file name without extension.
inline std::vector<std::string> ipc_vector_names() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(kVectorDir))
        if (entry.path().extension() == ".bin") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace defender::eventstream::test
