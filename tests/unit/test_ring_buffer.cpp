#include <catch2/catch.hpp>

#include <deque>
#include <memory>
#include <random>

#include "util/ring_buffer.hpp"

TEST_CASE("ring buffer: behaves as a deque under any mix of pushes and pops, across wraps and growth") {
  sb::RingBuffer<int> ring;
  std::deque<int> model;
  std::mt19937 rng(7);
  for (int step = 0; step < 200'000; ++step) {
    const auto op = rng() % 8;
    if (op < 4 || model.empty()) {
      ring.emplace_back(step);
      model.push_back(step);
    } else if (op < 7) {
      ring.pop_front();
      model.pop_front();
    } else {
      ring.pop_back();
      model.pop_back();
    }
    REQUIRE(ring.size() == model.size());
    if (!model.empty()) {
      REQUIRE(ring.front() == model.front());
      REQUIRE(ring.back() == model.back());
      const std::size_t i = rng() % model.size();
      REQUIRE(ring[i] == model[i]);
    }
  }
}

TEST_CASE("ring buffer: erase_from_if keeps the order and the items before `first`") {
  sb::RingBuffer<int> ring;
  for (int i = 0; i < 10; ++i) ring.emplace_back(i);
  ring.pop_front();
  ring.pop_front();  // head moved: the erase works across the wrap too
  for (int i = 10; i < 20; ++i) ring.emplace_back(i);
  ring.erase_from_if(3, [](int v) { return v % 2 == 0; });
  std::vector<int> left;
  for (std::size_t i = 0; i < ring.size(); ++i) left.push_back(ring[i]);
  CHECK(left == std::vector<int>{2, 3, 4, 5, 7, 9, 11, 13, 15, 17, 19});
}

TEST_CASE("ring buffer: a popped item is released at once; a big array is freed when it drains") {
  sb::RingBuffer<std::shared_ptr<int>> ring;
  auto value = std::make_shared<int>(1);
  ring.emplace_back(value);
  CHECK(value.use_count() == 2);
  ring.pop_front();
  CHECK(value.use_count() == 1);

  for (int i = 0; i < 5000; ++i) ring.emplace_back(value);
  CHECK(ring.capacity() >= 5000);
  while (!ring.empty()) ring.pop_front();
  CHECK(ring.capacity() == 0);  // after a burst: not kept
  for (int i = 0; i < 100; ++i) ring.emplace_back(value);
  while (!ring.empty()) ring.pop_front();
  CHECK(ring.capacity() > 0);  // an ordinary size: kept for the next batch
  CHECK(value.use_count() == 1);
}
