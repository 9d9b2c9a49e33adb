package dev.sdembed.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.runtime.Sdembed;
import dev.sdembed.testing.TestPaths;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in headless Chromium (Debian's chromium and chromium-driver, which scripts/install-prerequisites.sh
 * installs), driven through Selenium WebDriver with that driver: never a browser or driver fetched at run time.
 * Searches, sees thumbnails, opens the detail panel, asks for more like it, moves with the keyboard, reviews
 * duplicates and reads the stats; screenshots go to {@code target/browser-screenshots/}.
 */
class BrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static Sdembed sdembed;
    private static SdembedServer server;
    private static ChromeDriver driver;
    private static Path shots;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Browser test skipped: " + CHROMIUM + " and " + CHROMEDRIVER + " are needed (Debian packages chromium"
                        + " and chromium-driver; scripts/install-prerequisites.sh installs them)");
        sdembed = ServerFixture.indexed(TestPaths.targetDir("server-browser-store").toString(), null);
        server = SdembedServer.builder(sdembed).port(0)
                .thumbnailCache(TestPaths.targetDir("server-browser-thumbs")).start();
        shots = Files.createDirectories(Path.of("target", "browser-screenshots"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions",
                "--user-data-dir=" + TestPaths.targetDir("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(shots.resolve("chromedriver.log").toFile()).build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
        if (sdembed != null) {
            sdembed.close();
        }
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    private static void screenshot(String name) throws IOException {
        File file = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(file.toPath(), shots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Every result card's thumbnail has loaded and decoded (natural width > 0). */
    private static void waitForThumbnails(String selector) {
        waiting().until(d -> {
            List<WebElement> images = d.findElements(By.cssSelector(selector));
            return !images.isEmpty() && images.stream().allMatch(i -> Boolean.TRUE.equals(((JavascriptExecutor) d)
                    .executeScript("return arguments[0].complete && arguments[0].naturalWidth > 0", i)));
        });
    }

    private static String status() {
        return driver.findElement(By.id("status")).getText();
    }

    @Test
    void searchDetailMoreLikeThisKeyboardDuplicatesAndStats() throws IOException {
        // A deep link opens its results.
        driver.get(server.url() + "/?q=" + java.net.URLEncoder.encode("a castle at sunset",
                java.nio.charset.StandardCharsets.UTF_8));
        waiting().until(d -> status().contains("results for “a castle at sunset” by prompt"));
        waitForThumbnails("#grid .card img.thumb");
        List<WebElement> cards = driver.findElements(By.cssSelector("#grid .card"));
        assertThat(cards).hasSize(7);
        assertThat(cards.get(0).findElement(By.className("caption")).getText()).isEqualTo(ServerFixture.PROMPTS[2]);
        assertThat(cards.get(0).findElement(By.className("score")).getText()).matches("0\\.\\d{3}");
        screenshot("1-search-results");

        // The search box.
        WebElement q = driver.findElement(By.id("q"));
        q.clear();
        q.sendKeys("a red fox in the snow", Keys.ENTER);
        waiting().until(d -> status().contains("“a red fox in the snow”"));
        assertThat(driver.getCurrentUrl()).contains("q=a+red+fox+in+the+snow");
        waitForThumbnails("#grid .card img.thumb");

        // The detail panel of the first hit: full prompt, negative prompt, parameters, path, copy buttons.
        driver.findElements(By.cssSelector("#grid .card")).get(0).click();
        WebElement detail = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("detail")));
        waiting().until(d -> detail.getText().contains(ServerFixture.NEGATIVE));
        assertThat(detail.getText()).contains(ServerFixture.PROMPTS[0]).contains("Negative prompt")
                .contains(ServerFixture.file("a/img-0.png").toString()).contains("Euler a");
        assertThat(detail.findElements(By.cssSelector("button.copy"))).hasSize(3);
        waiting().until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                "const i = document.getElementById('detail-image'); return i.complete && i.naturalWidth > 0")));
        screenshot("2-detail-panel");

        // More like this: pixels of the stored image, the image itself left out.
        driver.findElement(By.id("more-like-this")).click();
        waiting().until(d -> status().contains("images like #"));
        assertThat(status()).contains("by pixels");
        assertThat(driver.getCurrentUrl()).contains("similar=");
        waitForThumbnails("#grid .card img.thumb");
        screenshot("3-more-like-this");

        // Keyboard: arrows select, Enter opens, Escape closes.
        driver.findElement(By.tagName("body")).sendKeys(Keys.ARROW_RIGHT);
        driver.findElement(By.tagName("body")).sendKeys(Keys.ARROW_RIGHT);
        assertThat(driver.findElements(By.cssSelector("#grid .card.selected"))).hasSize(1);
        driver.findElement(By.tagName("body")).sendKeys(Keys.ENTER);
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("detail")));
        driver.findElement(By.tagName("body")).sendKeys(Keys.ESCAPE);
        waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("detail")));

        // Duplicates: by image (the copy of img-2), side by side.
        driver.findElement(By.id("nav-duplicates")).click();
        new Select(driver.findElement(By.id("dup-by"))).selectByValue("image");
        WebElement threshold = driver.findElement(By.id("dup-threshold"));
        ((JavascriptExecutor) driver).executeScript("arguments[0].value = '0.999'", threshold);
        driver.findElement(By.id("dup-go")).click();
        waiting().until(d -> d.getCurrentUrl().contains("threshold=0.999")
                && d.findElement(By.id("dup-summary")).getText().startsWith("1 groups by image"));
        waitForThumbnails(".dup-group .card img.thumb");
        screenshot("4-duplicates");
        assertThat(driver.findElements(By.cssSelector(".dup-group .card"))).as(driver.findElement(By.id("dup-groups"))
                .getText()).hasSize(2);

        // Stats.
        driver.findElement(By.id("nav-stats")).click();
        waiting().until(d -> d.findElement(By.id("stats")).getText().contains("Distinct image files"));
        assertThat(driver.findElement(By.id("stats")).getText()).contains(ServerFixture.TEXT_SLOT)
                .contains("bge-small-en-v1.5");
        screenshot("5-stats");
    }
}
