// SPDX-License-Identifier: Apache-2.0
// SigV4 against cases of the public AWS Signature Version 4 test suite
// (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): credentials
// AKIDEXAMPLE, region us-east-1, service "service", 2015-08-30T12:36:00Z. Each case checks the
// canonical request, the string to sign and the signature the suite publishes.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "defender/sigv4.hpp"

namespace defender::sigv4 {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kDate = "20150830T123600Z";
constexpr const char* kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kFormHash =
    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";

struct SuiteCase {
    std::string name;
    Request request;
    std::string canonical_request;
    std::string string_to_sign_hash;  // last line of the suite's string to sign
    std::string signature;
};

std::vector<Header> host_and_date(std::vector<Header> extra = {}) {
    std::vector<Header> headers{{"Host", "example.amazonaws.com"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    headers.push_back({"X-Amz-Date", kDate});
    return headers;
}

std::string lines(const std::vector<std::string>& parts) {
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i)
        text += (i ? "\n" : "") + parts[i];
    return text;
}

const std::string kPlainHeaders = "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n";

std::vector<SuiteCase> suite() {
    return {
        {"get-vanilla",
         {"GET", "/", {}, host_and_date(), kEmptyHash},
         lines({"GET", "/", "", kPlainHeaders, "host;x-amz-date", kEmptyHash}),
         "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        {"get-vanilla-query-order-key-case",
         {"GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}, host_and_date(), kEmptyHash},
         lines({"GET", "/", "Param1=value1&Param2=value2", kPlainHeaders, "host;x-amz-date",
                kEmptyHash}),
         "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        {"get-vanilla-query-unreserved",
         {"GET",
          "/",
          {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}},
          host_and_date(),
          kEmptyHash},
         lines({"GET", "/",
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~"
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                kPlainHeaders, "host;x-amz-date", kEmptyHash}),
         "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
         "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
        {"get-vanilla-utf8-query",
         {"GET", "/", {{"\xE1\x88\xB4", "bar"}}, host_and_date(), kEmptyHash},
         lines({"GET", "/", "%E1%88%B4=bar", kPlainHeaders, "host;x-amz-date", kEmptyHash}),
         "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
         "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
        {"get-utf8",
         {"GET", "/\xE1\x88\xB4", {}, host_and_date(), kEmptyHash},
         lines({"GET", "/%E1%88%B4", "", kPlainHeaders, "host;x-amz-date", kEmptyHash}),
         "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
         "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
        {"get-unreserved",
         {"GET",
          "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
          {},
          host_and_date(),
          kEmptyHash},
         lines({"GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "",
                kPlainHeaders, "host;x-amz-date", kEmptyHash}),
         "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
         "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
        {"get-header-key-duplicate",
         {"GET",
          "/",
          {},
          host_and_date(
              {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
          kEmptyHash},
         lines({"GET", "/", "",
                "host:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
                "x-amz-date:20150830T123600Z\n",
                "host;my-header1;x-amz-date", kEmptyHash}),
         "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
         "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
        {"get-header-value-trim",
         {"GET",
          "/",
          {},
          host_and_date({{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
          kEmptyHash},
         lines({"GET", "/", "",
                "host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                "x-amz-date:20150830T123600Z\n",
                "host;my-header1;my-header2;x-amz-date", kEmptyHash}),
         "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
         "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
        {"post-vanilla-query",
         {"POST", "/", {{"Param1", "value1"}}, host_and_date(), kEmptyHash},
         lines({"POST", "/", "Param1=value1", kPlainHeaders, "host;x-amz-date", kEmptyHash}),
         "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
         "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
        {"post-x-www-form-urlencoded",
         {"POST",
          "/",
          {},
          {{"Content-Type", "application/x-www-form-urlencoded"},
           {"Host", "example.amazonaws.com"},
           {"Content-Length", "13"},
           {"X-Amz-Date", kDate},
           {"X-Amz-Content-Sha256", kFormHash}},
          kFormHash},
         lines({"POST", "/", "",
                "content-length:13\ncontent-type:application/x-www-form-urlencoded\n"
                "host:example.amazonaws.com\nx-amz-content-sha256:" +
                    std::string(kFormHash) + "\nx-amz-date:20150830T123600Z\n",
                "content-length;content-type;host;x-amz-content-sha256;x-amz-date", kFormHash}),
         "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
         "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
    };
}

class SigV4Suite : public testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4Suite, CanonicalRequestStringToSignAndSignatureMatchTheSuite) {
    const SuiteCase& suite_case = GetParam();
    const Scope scope{"20150830", "us-east-1", "service"};
    const std::string canonical = canonical_request(suite_case.request);
    EXPECT_EQ(canonical, suite_case.canonical_request);
    const std::string to_sign = string_to_sign(kDate, scope, canonical);
    EXPECT_EQ(to_sign,
              "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
              "aws4_request\n" +
                  suite_case.string_to_sign_hash);
    EXPECT_EQ(signature(kSecret, scope, to_sign), suite_case.signature);
}

INSTANTIATE_TEST_SUITE_P(AwsTestSuite, SigV4Suite, testing::ValuesIn(suite()),
                         [](const testing::TestParamInfo<SuiteCase>& info) {
                             std::string name;
                             for (const char c : info.param.name)
                                 name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                             return name;
                         });

TEST(SigV4Primitives, Sha256OfNothingAndAmzDate) {
    EXPECT_EQ(sha256_hex(""), kEmptyHash);
    EXPECT_EQ(sha256_hex("Param1=value1"), kFormHash);
    EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1440938160)), kDate);
}

TEST(SigV4Primitives, UriEncodeKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(uri_encode("a b+c/d=e&f~g"), "a%20b%2Bc%2Fd%3De%26f~g");
    EXPECT_EQ(uri_encode("/mqtt/x y", true), "/mqtt/x%20y");
}

}  // namespace
}  // namespace defender::sigv4
