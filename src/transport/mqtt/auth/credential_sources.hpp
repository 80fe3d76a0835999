// SPDX-License-Identifier: Apache-2.0
#pragma once
// The four places the AWS credential chain looks, one function each. A source either finds
// credentials or says, in a few words and without secrets, why it found none.

#include <optional>
#include <string>

#include "defender/aws_credentials.hpp"

namespace defender::auth {

struct SourceOutcome {
    std::optional<AwsCredentials> credentials;
    std::string note;  ///< Why nothing was found, e.g. "AWS_ACCESS_KEY_ID not set".
};

SourceOutcome from_environment(const CredentialChainOptions& options);
SourceOutcome from_shared_file(const CredentialChainOptions& options);
SourceOutcome from_container_endpoint(const CredentialChainOptions& options);
SourceOutcome from_instance_metadata(const CredentialChainOptions& options);

/// Reads the JSON both HTTP services answer with (AccessKeyId, SecretAccessKey, Token,
/// Expiration); `source` names them.
SourceOutcome credentials_from_json(const std::string& body, const std::string& source);

}  // namespace defender::auth
