# One image for both processes: the API (default) and the worker
#   docker run ... leapengine                      -> API
#   docker run ... leapengine dotnet /app/worker/LeapEngine.Worker.dll
#
# Base: the .NET 10 images (Ubuntu 24.04), whose libstdc++ (GLIBCXX_3.4.33) satisfies
# TorchSharp's native library as shipped. On a Debian 12 base it loads too, because the
# build marks that library's GLIBCXX_3.4.32 need weak (build/WeakenGlibcxxNeed.targets).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props LeapEngine.sln ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/LeapEngine.Api -c Release -o /app/api \
 && dotnet publish src/LeapEngine.Worker -c Release -o /app/worker

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
# Models are provisioned, not downloaded at run time: mount them here (see docker-compose.yml).
# stories260K ships inside the image (models/ beside each program) and serves with nothing mounted.
ENV LEAP_MODELS_DIR=/models \
    LEAP_OFFLINE=1 \
    LEAP_DATA_DIR=/data \
    ASPNETCORE_URLS=http://+:8080
VOLUME ["/models", "/data"]
EXPOSE 8080
WORKDIR /app/api
CMD ["dotnet", "/app/api/LeapEngine.Api.dll"]
