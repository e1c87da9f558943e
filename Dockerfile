# One image for both processes: the API (default) and the worker
#   docker run ... leapengine                      -> API
#   docker run ... leapengine dotnet /app/worker/LeapEngine.Worker.dll
#
# Two variants of it, one per native libtorch (build/Torch.props; docs/serving-models.md, "GPU"):
#   docker build -t leapengine .                    CPU libtorch: the default, the last stage below
#   docker build --target gpu -t leapengine:gpu .   CUDA 12.8 libtorch (-p:LeapTorch=cuda) on an NVIDIA CUDA base
#   docker run --gpus all ... leapengine:gpu dotnet /app/worker/LeapEngine.Worker.dll
# BuildKit (Docker's default builder since 23.0) builds only the stages the chosen target needs, so the CPU
# image never restores the CUDA package (several GB).
#
# Base: the .NET 10 images (Ubuntu 24.04), whose libstdc++ (GLIBCXX_3.4.33) satisfies
# TorchSharp's native library as shipped. On a Debian 12 base it loads too, because the
# build marks that library's GLIBCXX_3.4.32 need weak (build/WeakenGlibcxxNeed.targets).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS source
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props LeapEngine.sln ./
COPY build/ build/
COPY src/ src/

FROM source AS build-gpu
RUN dotnet publish src/LeapEngine.Api -c Release -p:LeapTorch=cuda -o /app/api \
 && dotnet publish src/LeapEngine.Worker -c Release -p:LeapTorch=cuda -o /app/worker

FROM source AS build
RUN dotnet publish src/LeapEngine.Api -c Release -p:LeapTorch=cpu -o /app/api \
 && dotnet publish src/LeapEngine.Worker -c Release -p:LeapTorch=cpu -o /app/worker

# GPU variant. libtorch's CUDA build carries its own CUDA runtime, cuBLAS and cuDNN, so the host needs only an
# NVIDIA driver recent enough for CUDA 12.8 and the NVIDIA Container Toolkit (docker run --gpus all). The base is
# NVIDIA's smallest CUDA 12.8 image on the same Ubuntu 24.04 as .NET's, with the ASP.NET Core runtime copied in.
FROM nvidia/cuda:12.8.1-base-ubuntu24.04 AS gpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libicu74 libssl3t64 tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=mcr.microsoft.com/dotnet/aspnet:10.0 /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /app
COPY --from=build-gpu /app /app
ENV DOTNET_RUNNING_IN_CONTAINER=true \
    LEAP_MODELS_DIR=/models \
    LEAP_OFFLINE=1 \
    LEAP_DATA_DIR=/data \
    ASPNETCORE_URLS=http://+:8080 \
    Leap__Models__Device=cuda
VOLUME ["/models", "/data"]
EXPOSE 8080
WORKDIR /app/api
CMD ["dotnet", "/app/api/LeapEngine.Api.dll"]

# CPU variant: the default image (last stage).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS cpu
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
