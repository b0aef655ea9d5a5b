#include "data/caption_manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "tests/data/media_test_utils.h"

namespace vdit::data {
namespace {

using media_test::ScratchDir;

void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string error_of_loading(const std::string& manifest) {
  try {
    CaptionManifest::load(manifest);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no InputError";
}

TEST(CaptionManifest, ReadsCsvWithQuotedFieldsRelativeToItsFolder) {
  ScratchDir dir("captions");
  write_text(dir.file("list/captions.csv"),
             "path,caption\r\n"
             "a.mp4,a cat sleeping\r\n"
             "\n"
             "\"clips/b.mp4\",\"a dog, running \"\"fast\"\"\nthen stopping\"\n");
  CaptionManifest manifest = CaptionManifest::load(dir.file("list/captions.csv"));
  EXPECT_EQ(manifest.entries(), 2u);
  EXPECT_EQ(manifest.caption_for(dir.file("list/a.mp4")), "a cat sleeping");
  EXPECT_EQ(manifest.caption_for(dir.file("list/other/../clips/b.mp4")),
            "a dog, running \"fast\"\nthen stopping");
  EXPECT_EQ(manifest.missing(), 0);
}

TEST(CaptionManifest, CsvHeaderMayPutTheCaptionFirst) {
  ScratchDir dir("captions");
  write_text(dir.file("captions.csv"), "caption,path\nwaves at dusk,/videos/sea.mp4\n");
  CaptionManifest manifest = CaptionManifest::load(dir.file("captions.csv"));
  EXPECT_EQ(manifest.caption_for("/videos/sea.mp4"), "waves at dusk");
}

TEST(CaptionManifest, CsvWithoutHeaderIsPathThenCaption) {
  ScratchDir dir("captions");
  write_text(dir.file("captions.csv"), "/videos/sea.mp4,waves at dusk\n/videos/sky.mp4,clouds");
  CaptionManifest manifest = CaptionManifest::load(dir.file("captions.csv"));
  EXPECT_EQ(manifest.entries(), 2u);
  EXPECT_EQ(manifest.caption_for("/videos/sky.mp4"), "clouds");
}

TEST(CaptionManifest, ReadsJsonl) {
  ScratchDir dir("captions");
  write_text(dir.file("captions.jsonl"),
             "{\"path\": \"a.mp4\", \"caption\": \"a \\\"red\\\" ball\"}\n"
             "\n"
             "{\"caption\": \"snow\", \"path\": \"/videos/b.webm\", \"fps\": 30}\n");
  CaptionManifest manifest = CaptionManifest::load(dir.file("captions.jsonl"));
  EXPECT_EQ(manifest.caption_for(dir.file("a.mp4")), "a \"red\" ball");
  EXPECT_EQ(manifest.caption_for("/videos/b.webm"), "snow");
}

TEST(CaptionManifest, FallsBackToSidecarThenToEmptyCountedAsMissing) {
  ScratchDir dir("captions");
  write_text(dir.file("beach.txt"), "  surf on a beach\n");
  CaptionManifest manifest;
  EXPECT_EQ(manifest.caption_for(dir.file("beach.mp4")), "surf on a beach");
  EXPECT_EQ(manifest.missing(), 0);
  EXPECT_EQ(manifest.caption_for(dir.file("forest.mp4")), "");
  EXPECT_EQ(manifest.caption_for(dir.file("river.mkv")), "");
  EXPECT_EQ(manifest.missing(), 2);
}

TEST(CaptionManifest, NamesFileAndLineOfMalformedEntries) {
  ScratchDir dir("captions");
  write_text(dir.file("open_quote.csv"), "a.mp4,fine\nb.mp4,\"never closed\n");
  EXPECT_NE(error_of_loading(dir.file("open_quote.csv")).find("open_quote.csv:2"),
            std::string::npos);
  write_text(dir.file("one_field.csv"), "path,caption\na.mp4,fine\nb.mp4\n");
  EXPECT_NE(error_of_loading(dir.file("one_field.csv")).find("one_field.csv:3"), std::string::npos);
  write_text(dir.file("twice.csv"), "a.mp4,one\n./a.mp4,two\n");
  EXPECT_NE(error_of_loading(dir.file("twice.csv")).find("twice.csv:2"), std::string::npos);
  write_text(dir.file("bad.jsonl"), "{\"path\": \"a.mp4\", \"caption\": \"x\"}\n{\"path\": \n");
  EXPECT_NE(error_of_loading(dir.file("bad.jsonl")).find("bad.jsonl:2"), std::string::npos);
  write_text(dir.file("no_caption.jsonl"), "{\"path\": \"a.mp4\"}\n");
  EXPECT_NE(error_of_loading(dir.file("no_caption.jsonl")).find("no_caption.jsonl:1"),
            std::string::npos);
  EXPECT_NE(error_of_loading(dir.file("absent.csv")).find("absent.csv"), std::string::npos);
}

}  // namespace
}  // namespace vdit::data
